// Friend requests: send (or accept the reverse one), accept, reject, cancel and list. Every change
// runs in a transaction holding the pair's lock, so a request never outlives a block or a friendship.
import { ErrorCode, type FriendEntry, type FriendRequestEntry, MekongError, type UserProfile } from '@mekong/schema';
import type { Kysely, Selectable } from 'kysely';
import { type Db, inTransaction } from '../db';
import type { FriendRequestsTable } from '../db/schema-social';
import { newId } from '../ids';
import { noSuchRequest, noSuchUser, notYourself } from './errors';
import { areFriends, befriend, blocksBetween } from './graph';
import { lockPair, pairKey } from './pair';
import { findProfile, PROFILE_COLUMNS, toProfile } from './profiles';

type RequestRow = Selectable<FriendRequestsTable>;

export type SendOutcome =
  | { status: 'pending'; created: boolean; request: FriendRequestEntry }
  | { status: 'friends'; friend: FriendEntry };

const entry = (row: RequestRow, user: UserProfile): FriendRequestEntry => ({ id: row.id, user, createdAt: row.created_at });

/**
 * `me` asks `target` to be friends. When `target` already asked `me`, that request is accepted
 * instead. Repeating a request answers the pending one. A target who blocked `me` is reported
 * exactly like an unknown user.
 */
export function sendFriendRequest(db: Kysely<Db>, me: string, target: string, now: number): Promise<SendOutcome> {
  if (me === target) throw notYourself('send a friend request to');
  return inTransaction(db, async (trx) => {
    if (!(await lockPair(trx, me, target)).has(target)) throw noSuchUser();
    const blocks = await blocksBetween(trx, me, target);
    if (blocks.mine) throw new MekongError(ErrorCode.CONFLICT, 'You blocked this user; unblock them before sending a friend request.');
    if (blocks.theirs) throw noSuchUser();
    if (await areFriends(trx, me, target)) throw new MekongError(ErrorCode.CONFLICT, 'You are already friends with this user.');
    const profile = await findProfile(trx, target);
    if (!profile) throw noSuchUser();

    const pending = await trx.selectFrom('friend_requests').selectAll().where('pair_key', '=', pairKey(me, target)).executeTakeFirst();
    if (pending && pending.from_user === me) return { status: 'pending', created: false, request: entry(pending, profile) };
    if (pending) {
      await befriend(trx, me, target, now);
      return { status: 'friends', friend: { user: profile, since: now } };
    }
    const row: RequestRow = { id: newId(), from_user: me, to_user: target, pair_key: pairKey(me, target), created_at: now };
    await trx.insertInto('friend_requests').values(row).execute();
    return { status: 'pending', created: true, request: entry(row, profile) };
  });
}

/**
 * The request `id` with its pair locked, for `me` acting as `side`. The other party knows the
 * request exists and hears FORBIDDEN; anyone else hears NOT_FOUND, as if there were none.
 */
async function lockedRequest(trx: Kysely<Db>, id: string, me: string, side: 'recipient' | 'sender'): Promise<RequestRow> {
  const row = await trx.selectFrom('friend_requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || (row.to_user !== me && row.from_user !== me)) throw noSuchRequest();
  const allowed = side === 'recipient' ? row.to_user === me : row.from_user === me;
  if (!allowed) {
    const who = side === 'recipient' ? 'the person it was sent to' : 'the person who sent it';
    throw new MekongError(ErrorCode.FORBIDDEN, `Only ${who} can do this to a friend request.`);
  }
  await lockPair(trx, row.from_user, row.to_user);
  // Read again under the lock: a concurrent accept, cancel or block may have removed it meanwhile.
  const still = await trx.selectFrom('friend_requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!still) throw noSuchRequest();
  return still;
}

export function acceptFriendRequest(db: Kysely<Db>, me: string, id: string, now: number): Promise<FriendEntry> {
  return inTransaction(db, async (trx) => {
    const row = await lockedRequest(trx, id, me, 'recipient');
    const profile = await findProfile(trx, row.from_user);
    if (!profile) throw noSuchRequest();
    await befriend(trx, me, row.from_user, now);
    return { user: profile, since: now };
  });
}

/** Rejects (as recipient) or cancels (as sender) a request; either way it is gone for both. */
export function dropFriendRequest(db: Kysely<Db>, me: string, id: string, side: 'recipient' | 'sender'): Promise<void> {
  return inTransaction(db, async (trx) => {
    const row = await lockedRequest(trx, id, me, side);
    await trx.deleteFrom('friend_requests').where('id', '=', row.id).execute();
  });
}

/** Pending requests to and from `me`, newest first, each with the other person's profile. */
export async function listFriendRequests(db: Kysely<Db>, me: string): Promise<{ incoming: FriendRequestEntry[]; outgoing: FriendRequestEntry[] }> {
  const side = (mine: 'from_user' | 'to_user', theirs: 'from_user' | 'to_user') =>
    db
      .selectFrom('friend_requests as r')
      .innerJoin('users as u', 'u.id', `r.${theirs}`)
      .select([...PROFILE_COLUMNS, 'r.id as request_id', 'r.created_at'])
      .where(`r.${mine}`, '=', me)
      .orderBy('r.created_at', 'desc')
      .orderBy('r.id')
      .execute();
  const toEntry = (r: Awaited<ReturnType<typeof side>>[number]): FriendRequestEntry => ({ id: r.request_id, user: toProfile(r), createdAt: r.created_at });
  const [incoming, outgoing] = await Promise.all([side('to_user', 'from_user'), side('from_user', 'to_user')]);
  return { incoming: incoming.map(toEntry), outgoing: outgoing.map(toEntry) };
}
