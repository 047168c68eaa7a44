// Blocks: placing one ends the friendship and drops pending requests between the two, in the
// same locked transaction, so neither can survive a block.
import type { BlockEntry } from '@mekong/schema';
import type { Kysely } from 'kysely';
import { type Db, inTransaction } from '../db';
import { noSuchUser, notYourself } from './errors';
import { removeFriendship } from './graph';
import { lockPair, pairKey } from './pair';
import { findProfile, PROFILE_COLUMNS, toProfile } from './profiles';

/** `me` blocks `target`; `created` is false when the block was already in place. */
export function block(db: Kysely<Db>, me: string, target: string, now: number): Promise<{ created: boolean; block: BlockEntry }> {
  if (me === target) throw notYourself('block');
  return inTransaction(db, async (trx) => {
    if (!(await lockPair(trx, me, target)).has(target)) throw noSuchUser();
    const profile = await findProfile(trx, target);
    if (!profile) throw noSuchUser();
    const res = await trx
      .insertInto('blocks')
      .values({ blocker_id: me, blocked_id: target, created_at: now })
      .onConflict((oc) => oc.columns(['blocker_id', 'blocked_id']).doNothing())
      .executeTakeFirst();
    const created = Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
    await trx.deleteFrom('friend_requests').where('pair_key', '=', pairKey(me, target)).execute();
    await removeFriendship(trx, me, target, now);
    const row = await trx.selectFrom('blocks').select('created_at').where('blocker_id', '=', me).where('blocked_id', '=', target).executeTakeFirstOrThrow();
    return { created, block: { user: profile, since: row.created_at } };
  });
}

/** Lifts the block; false when `me` had not blocked `target`. Friendship does not come back. */
export async function unblock(db: Kysely<Db>, me: string, target: string): Promise<boolean> {
  if (me === target) throw notYourself('unblock');
  const res = await db.deleteFrom('blocks').where('blocker_id', '=', me).where('blocked_id', '=', target).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** The users `me` blocked, most recent first. Never who blocked `me`. */
export async function listBlocks(db: Kysely<Db>, me: string): Promise<BlockEntry[]> {
  const rows = await db
    .selectFrom('blocks as b')
    .innerJoin('users as u', 'u.id', 'b.blocked_id')
    .select([...PROFILE_COLUMNS, 'b.created_at'])
    .where('b.blocker_id', '=', me)
    .orderBy('b.created_at', 'desc')
    .orderBy('u.id')
    .execute();
  return rows.map((r) => ({ user: toProfile(r), since: r.created_at }));
}
