// Message requests: direct conversations that someone who is not a friend started with you, kept
// apart until you accept them. Friends' conversations are never requests; a friendship that ends
// marks the pair's conversation accepted (see removeFriendship), so it does not become one later.
import { ErrorCode, MekongError, type MessageRequest } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { Db } from '../db';
import { notBlockedByMe, notFriendOf } from './filters';
import { PROFILE_COLUMNS, toProfile } from './profiles';

/** Most requests listed at once, newest first. */
const MAX_LISTED = 200;

/** Direct conversations `userId` is in, started by a non-friend, that `userId` has not accepted. */
function requestsOf(db: Kysely<Db>, userId: string) {
  return db
    .selectFrom('conversations as c')
    .innerJoin('conversation_members as mine', (j) => j.onRef('mine.conversation_id', '=', 'c.id').on('mine.user_id', '=', userId))
    .where('c.kind', '=', 'direct')
    .where('c.created_by', '!=', userId)
    .where(notFriendOf(userId, 'c.created_by'))
    .where(({ exists, not, selectFrom }) =>
      not(exists(selectFrom('conversation_accepted_by as a').select('a.user_id').whereRef('a.conversation_id', '=', 'c.id').where('a.user_id', '=', userId))),
    );
}

/**
 * True when `conversationId` is a message request for `userId`: a direct conversation they are a
 * member of, started by someone who is not their friend, and not accepted by them. A request from
 * someone `userId` blocked stays a request (it never belongs in the main list) but is left out of
 * listMessageRequests.
 */
export async function isMessageRequest(db: Kysely<Db>, conversationId: string, userId: string): Promise<boolean> {
  const row = await requestsOf(db, userId).select('c.id').where('c.id', '=', conversationId).executeTakeFirst();
  return row !== undefined;
}

export async function listMessageRequests(db: Kysely<Db>, userId: string): Promise<MessageRequest[]> {
  const rows = await requestsOf(db, userId)
    .innerJoin('users as u', 'u.id', 'c.created_by')
    .select([...PROFILE_COLUMNS, 'c.id as conversation_id', 'c.kind', 'c.created_at'])
    .where(notBlockedByMe(userId, 'c.created_by'))
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id')
    .limit(MAX_LISTED)
    .execute();
  if (rows.length === 0) return [];
  const members = await db
    .selectFrom('conversation_members')
    .select(['conversation_id', 'user_id', 'role'])
    .where(
      'conversation_id',
      'in',
      rows.map((r) => r.conversation_id),
    )
    .orderBy('user_id')
    .execute();
  return rows.map((r) => ({
    conversation: {
      id: r.conversation_id,
      kind: r.kind,
      createdAt: r.created_at,
      members: members.filter((m) => m.conversation_id === r.conversation_id).map((m) => ({ userId: m.user_id, role: m.role })),
    },
    from: toProfile(r),
  }));
}

/**
 * Marks the direct conversation accepted by `userId`. Idempotent; accepting a conversation that is
 * not a request changes nothing visible. NOT_FOUND unless `userId` is a member of a direct one.
 */
export async function acceptMessageRequest(db: Kysely<Db>, conversationId: string, userId: string, now: number): Promise<void> {
  const conv = await db
    .selectFrom('conversations as c')
    .innerJoin('conversation_members as m', (j) => j.onRef('m.conversation_id', '=', 'c.id').on('m.user_id', '=', userId))
    .select('c.id')
    .where('c.id', '=', conversationId)
    .where('c.kind', '=', 'direct')
    .executeTakeFirst();
  if (!conv) throw new MekongError(ErrorCode.NOT_FOUND, 'There is no such message request.');
  await db
    .insertInto('conversation_accepted_by')
    .values({ conversation_id: conv.id, user_id: userId, accepted_at: now })
    .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doNothing())
    .execute();
}
