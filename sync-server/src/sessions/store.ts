// Sessions: one per sign-in, carrying the rotating refresh token and, once known, the device.
// Functions take the executor, so callers can run them inside their own transactions.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Kysely } from 'kysely';
import { type Db, inTransaction, type SessionsTable, type UserBanColumns } from '../db';
import { newId } from '../ids';
import { hashRefreshToken, newRefreshToken } from './refresh-token';

export interface SessionPolicy {
  now: () => number;
  /** How long a session lives without a refresh; every refresh extends it. */
  refreshTtlMs: number;
}

export type Session = Pick<SessionsTable, 'id' | 'user_id' | 'device_id'>;

const ended = () => new MekongError(ErrorCode.UNAUTHENTICATED, 'This session has ended; sign in again.');

/** FORBIDDEN for an account an operator banned: signing in or refreshing cannot help. */
export const suspended = () => new MekongError(ErrorCode.FORBIDDEN, 'This account is suspended; contact the operator.');

/** Sessions with their user's ban column, which the bans migration adds. */
const withBans = (db: Kysely<Db>) => db.withTables<{ users: UserBanColumns }>();

export async function openSession(
  db: Kysely<Db>,
  policy: SessionPolicy,
  userId: string,
  deviceId: string | null,
): Promise<{ session: Session; refreshToken: string }> {
  const refreshToken = newRefreshToken();
  const t = policy.now();
  const session = { id: newId(), user_id: userId, device_id: deviceId };
  await db
    .insertInto('sessions')
    .values({ ...session, refresh_hash: hashRefreshToken(refreshToken), expires_at: t + policy.refreshTtlMs, revoked_at: null, created_at: t })
    .execute();
  return { session, refreshToken };
}

/** The session if it is neither revoked nor expired and its user is not banned. */
export async function findActiveSession(db: Kysely<Db>, policy: SessionPolicy, id: string): Promise<Session | undefined> {
  const row = await sessionState(db, policy, id);
  return row?.state === 'active' ? row.session : undefined;
}

/**
 * The session and why it may not be used: `ended` (revoked or expired) or `banned` (its user is);
 * undefined when there is no such session.
 */
export async function sessionState(
  db: Kysely<Db>,
  policy: SessionPolicy,
  id: string,
): Promise<{ session: Session; state: 'active' | 'ended' | 'banned' } | undefined> {
  const row = await withBans(db)
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'sessions.user_id', 'sessions.device_id', 'sessions.revoked_at', 'sessions.expires_at', 'users.banned_at'])
    .where('sessions.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const session = { id: row.id, user_id: row.user_id, device_id: row.device_id };
  if (row.banned_at !== null) return { session, state: 'banned' };
  return { session, state: row.revoked_at === null && row.expires_at > policy.now() ? 'active' : 'ended' };
}

export async function revokeSession(db: Kysely<Db>, policy: SessionPolicy, id: string): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: policy.now() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/**
 * Replace the refresh token of the session with `current` as its current token, remembering
 * the old hash. Compare-and-swap on the hash, so of two concurrent exchanges only one wins.
 */
async function swapRefresh(db: Kysely<Db>, policy: SessionPolicy, sessionId: string, currentHash: string, set: { device_id?: string }): Promise<string | undefined> {
  const next = newRefreshToken();
  const t = policy.now();
  const swapped = await inTransaction(db, async (trx) => {
    let update = trx
      .updateTable('sessions')
      .set({ ...set, refresh_hash: hashRefreshToken(next), expires_at: t + policy.refreshTtlMs })
      .where('id', '=', sessionId)
      .where('refresh_hash', '=', currentHash)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', t);
    if (set.device_id !== undefined) update = update.where('device_id', 'is', null);
    const res = await update.executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await trx.insertInto('rotated_refresh_tokens').values({ hash: currentHash, session_id: sessionId, rotated_at: t }).execute();
    return true;
  });
  return swapped ? next : undefined;
}

/**
 * Exchange a refresh token for a new one. A token that was already exchanged means two
 * parties hold it (one of them a thief), so the whole session is revoked.
 */
export async function rotateRefreshToken(
  db: Kysely<Db>,
  policy: SessionPolicy,
  refreshToken: string,
): Promise<{ session: Session; refreshToken: string }> {
  const hash = hashRefreshToken(refreshToken);
  const row = await withBans(db)
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'sessions.user_id', 'sessions.device_id', 'sessions.revoked_at', 'sessions.expires_at', 'users.banned_at'])
    .where('sessions.refresh_hash', '=', hash)
    .executeTakeFirst();
  if (!row) {
    const rotated = await db.selectFrom('rotated_refresh_tokens').select('session_id').where('hash', '=', hash).executeTakeFirst();
    if (rotated) await revokeSession(db, policy, rotated.session_id);
    throw ended();
  }
  // a ban revokes every session too; saying why spares the client a pointless sign-in
  if (row.banned_at !== null) throw suspended();
  if (row.revoked_at !== null || row.expires_at <= policy.now()) throw ended();
  const next = await swapRefresh(db, policy, row.id, hash, {});
  if (next === undefined) {
    // Lost a race with another exchange of the same token: that is reuse as well.
    await revokeSession(db, policy, row.id);
    throw ended();
  }
  return { session: { id: row.id, user_id: row.user_id, device_id: row.device_id }, refreshToken: next };
}

/**
 * Attach a device to a session that has none, rotating its refresh token. Throws CONFLICT
 * when the session already has a device.
 */
export async function bindSessionDevice(db: Kysely<Db>, policy: SessionPolicy, sessionId: string, deviceId: string): Promise<string> {
  const row = await db.selectFrom('sessions').select(['refresh_hash', 'device_id']).where('id', '=', sessionId).executeTakeFirst();
  if (!row) throw ended();
  if (row.device_id !== null) throw alreadyBound();
  const next = await swapRefresh(db, policy, sessionId, row.refresh_hash, { device_id: deviceId });
  if (next === undefined) throw alreadyBound();
  return next;
}

const alreadyBound = () =>
  new MekongError(ErrorCode.CONFLICT, 'This session already has a device; sign in again to add another one.');
