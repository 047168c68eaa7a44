// Queries on conversations (direct and group) and their members.
import { type ConversationSummary, ErrorCode, MekongError } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { Db } from '../db';
import { newId } from '../ids';

interface MemberJoinRow {
  id: string;
  kind: 'direct' | 'group';
  /** The group's name; null for a direct conversation. */
  name: string | null;
  created_at: number;
  user_id: string;
  role: 'owner' | 'admin' | 'member';
  /** entries in the membership log; null before the first one */
  log_length: number | null;
}

/** Folds one row per (conversation, member) into summaries, keeping the rows' order. */
function fold(rows: MemberJoinRow[]): ConversationSummary[] {
  const byId = new Map<string, ConversationSummary>();
  for (const r of rows) {
    let conv = byId.get(r.id);
    if (!conv) {
      conv = { id: r.id, kind: r.kind, ...(r.name === null ? {} : { name: r.name }), members: [], createdAt: r.created_at, logLength: Number(r.log_length ?? 0) };
      byId.set(r.id, conv);
    }
    conv.members.push({ userId: r.user_id, role: r.role });
  }
  return [...byId.values()];
}

function summaries(db: Kysely<Db>) {
  return db
    .selectFrom('conversations as c')
    .innerJoin('conversation_members as m', 'm.conversation_id', 'c.id')
    .leftJoin('groups as g', 'g.id', 'c.id')
    .leftJoin('membership_heads as h', 'h.conversation_id', 'c.id')
    .select(['c.id', 'c.kind', 'g.name', 'c.created_at', 'm.user_id', 'm.role', 'h.length as log_length']);
}

export async function getConversation(db: Kysely<Db>, id: string): Promise<ConversationSummary | undefined> {
  return fold(await summaries(db).where('c.id', '=', id).orderBy('m.user_id').execute())[0];
}

/** Every conversation `userId` is a member of, newest first. */
export async function listConversations(db: Kysely<Db>, userId: string): Promise<ConversationSummary[]> {
  const rows = await summaries(db)
    .innerJoin('conversation_members as mine', (j) => j.onRef('mine.conversation_id', '=', 'c.id').on('mine.user_id', '=', userId))
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id')
    .orderBy('m.user_id')
    .execute();
  return fold(rows);
}

/** The key that makes a direct conversation unique per unordered pair of users. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

/**
 * The direct conversation of the two users, created if missing. Two concurrent calls settle
 * on the unique pair key: the loser's insert does nothing and it reads the winner's row.
 */
export async function getOrCreateDirect(
  db: Kysely<Db>,
  creator: string,
  peer: string,
  now: number,
): Promise<{ conversation: ConversationSummary; created: boolean }> {
  const key = pairKey(creator, peer);
  const findByPair = async () => {
    const row = await db.selectFrom('conversations').select('id').where('pair_key', '=', key).executeTakeFirst();
    return row && (await getConversation(db, row.id));
  };
  const existing = await findByPair();
  if (existing) return { conversation: existing, created: false };

  const id = newId();
  const created = await db.transaction().execute(async (trx) => {
    const res = await trx
      .insertInto('conversations')
      .values({ id, kind: 'direct', pair_key: key, created_at: now, created_by: creator })
      .onConflict((oc) => oc.column('pair_key').doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0n) !== 1) return false;
    await trx
      .insertInto('conversation_members')
      .values([
        { conversation_id: id, user_id: creator, role: 'member', joined_at: now },
        { conversation_id: id, user_id: peer, role: 'member', joined_at: now },
      ])
      .execute();
    return true;
  });
  const conversation = await findByPair();
  if (!conversation) throw new MekongError(ErrorCode.INTERNAL, 'The conversation could not be created; try again.');
  return { conversation, created };
}

/**
 * Passes when `userId` is a member. A missing conversation is NOT_FOUND and an existing one
 * the caller is not in is NOT_MEMBER. Ids are 128 random bits handed out only to members, so
 * a non-member holding one got it from a member; telling the cases apart costs no secret and
 * lets a client say "you are no longer a member" instead of "deleted".
 */
export async function requireMember(db: Kysely<Db>, conversationId: string, userId: string): Promise<void> {
  const row = await db
    .selectFrom('conversations as c')
    .leftJoin('conversation_members as m', (j) => j.onRef('m.conversation_id', '=', 'c.id').on('m.user_id', '=', userId))
    .select(['c.id', 'm.user_id'])
    .where('c.id', '=', conversationId)
    .executeTakeFirst();
  if (!row) throw new MekongError(ErrorCode.NOT_FOUND, 'There is no such conversation.');
  if (row.user_id === null) throw new MekongError(ErrorCode.NOT_MEMBER, 'You are not a member of this conversation.');
}
