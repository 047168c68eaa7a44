// Bans placed by an operator: a banned account cannot sign in or refresh, and every session it had is
// revoked in the same transaction as the ban. Lifting a ban brings no session back.
import type { Kysely } from 'kysely';
import { type Db, inTransaction, type UserBanColumns } from '../db';

const withBans = (db: Kysely<Db>) => db.withTables<{ users: UserBanColumns }>();

export interface BanOutcome {
  /** The ban was already in place; its time is kept. */
  alreadyBanned: boolean;
  /** Sessions that were still open and are revoked now. */
  sessionsRevoked: number;
}

/** Bans `userId` and revokes every open session of theirs; undefined when there is no such user. */
export async function banUser(db: Kysely<Db>, userId: string, now: number): Promise<BanOutcome | undefined> {
  return inTransaction(db, async (trx) => {
    const user = await withBans(trx).selectFrom('users').select(['id', 'banned_at']).where('id', '=', userId).executeTakeFirst();
    if (!user) return undefined;
    if (user.banned_at === null) await withBans(trx).updateTable('users').set({ banned_at: now }).where('id', '=', userId).execute();
    const revoked = await trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
    return { alreadyBanned: user.banned_at !== null, sessionsRevoked: Number(revoked.numUpdatedRows) };
  });
}

/** Lifts the ban on `userId`; false when they were not banned, undefined when there is no such user. */
export async function unbanUser(db: Kysely<Db>, userId: string): Promise<boolean | undefined> {
  const user = await withBans(db).selectFrom('users').select(['id', 'banned_at']).where('id', '=', userId).executeTakeFirst();
  if (!user) return undefined;
  if (user.banned_at === null) return false;
  await withBans(db).updateTable('users').set({ banned_at: null }).where('id', '=', userId).execute();
  return true;
}

/** True when an operator banned `userId`. */
export async function isBanned(db: Kysely<Db>, userId: string): Promise<boolean> {
  const row = await withBans(db).selectFrom('users').select('banned_at').where('id', '=', userId).executeTakeFirst();
  return row?.banned_at != null;
}
