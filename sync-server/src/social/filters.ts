// WHERE conditions shared by the list queries (suggestions, search, message requests), written
// once in plain SQL that both engines read the same. `candidate` names the column holding the
// other user's id, for example 'u.id'.
import { type RawBuilder, sql } from 'kysely';

/** Neither `me` nor the candidate blocked the other. */
export function noBlockEitherWay(me: string, candidate: string): RawBuilder<boolean> {
  const other = sql.ref(candidate);
  return sql<boolean>`not exists (select 1 from blocks b where
    (b.blocker_id = ${me} and b.blocked_id = ${other}) or (b.blocker_id = ${other} and b.blocked_id = ${me}))`;
}

/** The candidate did not block `me` (whom `me` blocked may still be shown, to `me`). */
export function notBlockedBy(me: string, candidate: string): RawBuilder<boolean> {
  return sql<boolean>`not exists (select 1 from blocks b where b.blocker_id = ${sql.ref(candidate)} and b.blocked_id = ${me})`;
}

/** `me` did not block the candidate. */
export function notBlockedByMe(me: string, candidate: string): RawBuilder<boolean> {
  return sql<boolean>`not exists (select 1 from blocks b where b.blocker_id = ${me} and b.blocked_id = ${sql.ref(candidate)})`;
}

/** No pending friend request between `me` and the candidate, either way. */
export function noPendingRequest(me: string, candidate: string): RawBuilder<boolean> {
  const other = sql.ref(candidate);
  return sql<boolean>`not exists (select 1 from friend_requests r where
    (r.from_user = ${me} and r.to_user = ${other}) or (r.from_user = ${other} and r.to_user = ${me}))`;
}

/** The candidate is not a friend of `me`. */
export function notFriendOf(me: string, candidate: string): RawBuilder<boolean> {
  return sql<boolean>`not exists (select 1 from friendships f where f.user_id = ${me} and f.friend_id = ${sql.ref(candidate)})`;
}
