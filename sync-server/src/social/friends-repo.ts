// Friends: the list, unfriending, and suggestions ranked by mutual friends.
import { type FriendEntry, type FriendSuggestion, MAX_SOCIAL_RESULTS } from '@mekong/schema';
import type { Kysely } from 'kysely';
import { type Db, inTransaction } from '../db';
import { notYourself } from './errors';
import { noBlockEitherWay, noPendingRequest, notFriendOf } from './filters';
import { removeFriendship } from './graph';
import { lockPair } from './pair';
import { byDisplayName, PROFILE_COLUMNS, toProfile } from './profiles';

export async function listFriends(db: Kysely<Db>, me: string): Promise<FriendEntry[]> {
  const rows = await db
    .selectFrom('friendships as f')
    .innerJoin('users as u', 'u.id', 'f.friend_id')
    .select([...PROFILE_COLUMNS, 'f.created_at'])
    .where('f.user_id', '=', me)
    .execute();
  return rows.map((r) => ({ user: toProfile(r), since: r.created_at })).sort(byDisplayName);
}

/** Ends the friendship; false when there was none. */
export function unfriend(db: Kysely<Db>, me: string, friendId: string, now: number): Promise<boolean> {
  if (me === friendId) throw notYourself('unfriend');
  return inTransaction(db, async (trx) => {
    await lockPair(trx, me, friendId);
    return removeFriendship(trx, me, friendId, now);
  });
}

/**
 * Friends of friends who are not friends of `me`, most mutual friends first (then by name), at most
 * 20. Left out: anyone blocked either way and anyone with a pending request to or from `me`.
 * Users with no mutual friend are never suggested, so the list does not leak the user directory.
 */
export async function suggestFriends(db: Kysely<Db>, me: string): Promise<FriendSuggestion[]> {
  const rows = await db
    .selectFrom('friendships as mine')
    .innerJoin('friendships as theirs', 'theirs.user_id', 'mine.friend_id')
    .innerJoin('users as u', 'u.id', 'theirs.friend_id')
    .select([...PROFILE_COLUMNS, (eb) => eb.fn.countAll<number>().as('mutual')])
    .where('mine.user_id', '=', me)
    .where('theirs.friend_id', '!=', me)
    .where(notFriendOf(me, 'theirs.friend_id'))
    .where(noBlockEitherWay(me, 'theirs.friend_id'))
    .where(noPendingRequest(me, 'theirs.friend_id'))
    .groupBy(PROFILE_COLUMNS)
    .orderBy('mutual', 'desc')
    .orderBy('u.display_name')
    .orderBy('u.id')
    .limit(MAX_SOCIAL_RESULTS)
    .execute();
  return rows.map((r) => ({ user: toProfile(r), mutualFriends: Number(r.mutual) }));
}
