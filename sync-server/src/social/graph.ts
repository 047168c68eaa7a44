// Primitive reads and writes of the graph: friendships, blocks, and the direct conversation of a
// pair. Writers expect the caller to hold the pair's lock (see lockPair) inside a transaction.
import type { Kysely } from 'kysely';
import type { Db } from '../db';
import { pairKey } from './pair';

export interface PairBlocks {
  /** `me` blocked `other`. */
  mine: boolean;
  /** `other` blocked `me`: never to be told to `me`. */
  theirs: boolean;
}

export async function blocksBetween(db: Kysely<Db>, me: string, other: string): Promise<PairBlocks> {
  const rows = await db
    .selectFrom('blocks')
    .select('blocker_id')
    .where((eb) =>
      eb.or([
        eb.and([eb('blocker_id', '=', me), eb('blocked_id', '=', other)]),
        eb.and([eb('blocker_id', '=', other), eb('blocked_id', '=', me)]),
      ]),
    )
    .execute();
  return { mine: rows.some((r) => r.blocker_id === me), theirs: rows.some((r) => r.blocker_id === other) };
}

/**
 * True when either user blocked the other. Callers that answer the blocked person must not say
 * so: refuse as if the other user did not exist (see assertMayStartDirect).
 */
export async function isBlockedEitherWay(db: Kysely<Db>, a: string, b: string): Promise<boolean> {
  const { mine, theirs } = await blocksBetween(db, a, b);
  return mine || theirs;
}

export async function areFriends(db: Kysely<Db>, a: string, b: string): Promise<boolean> {
  const row = await db.selectFrom('friendships').select('user_id').where('user_id', '=', a).where('friend_id', '=', b).executeTakeFirst();
  return row !== undefined;
}

/** The direct conversation of `a` and `b`, if they have one. */
export async function directConversationOf(db: Kysely<Db>, a: string, b: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('conversations as c')
    .innerJoin('conversation_members as ma', (j) => j.onRef('ma.conversation_id', '=', 'c.id').on('ma.user_id', '=', a))
    .innerJoin('conversation_members as mb', (j) => j.onRef('mb.conversation_id', '=', 'c.id').on('mb.user_id', '=', b))
    .select('c.id')
    .where('c.kind', '=', 'direct')
    .executeTakeFirst();
  return row?.id;
}

/** Makes `a` and `b` friends (both directions) and drops the pending request between them. */
export async function befriend(trx: Kysely<Db>, a: string, b: string, now: number): Promise<void> {
  await trx.deleteFrom('friend_requests').where('pair_key', '=', pairKey(a, b)).execute();
  await trx
    .insertInto('friendships')
    .values([
      { user_id: a, friend_id: b, created_at: now },
      { user_id: b, friend_id: a, created_at: now },
    ])
    .onConflict((oc) => oc.columns(['user_id', 'friend_id']).doNothing())
    .execute();
}

/**
 * Ends the friendship of `a` and `b`; answers whether there was one. Their direct conversation was
 * a friends' conversation, so it is marked accepted by both: it must not turn into a message
 * request now that they are no longer friends.
 */
export async function removeFriendship(trx: Kysely<Db>, a: string, b: string, now: number): Promise<boolean> {
  const res = await trx
    .deleteFrom('friendships')
    .where((eb) =>
      eb.or([
        eb.and([eb('user_id', '=', a), eb('friend_id', '=', b)]),
        eb.and([eb('user_id', '=', b), eb('friend_id', '=', a)]),
      ]),
    )
    .executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) return false;
  const conversationId = await directConversationOf(trx, a, b);
  if (conversationId) {
    await trx
      .insertInto('conversation_accepted_by')
      .values([a, b].map((user_id) => ({ conversation_id: conversationId, user_id, accepted_at: now })))
      .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doNothing())
      .execute();
  }
  return true;
}
