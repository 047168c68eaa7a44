// Whose presence a caller may learn: their own, their friends', and that of people they share a
// conversation with — a group, or a direct conversation the other person has taken part in (started,
// or accepted; a message request they never answered does not count). Nobody's when either of the
// two blocked the other.
import type { Kysely } from 'kysely';
import type { Db } from '../db';

/** The subset of `userIds` whose presence `caller` may see. */
export async function visiblePresence(db: Kysely<Db>, caller: string, userIds: readonly string[]): Promise<Set<string>> {
  const others = [...new Set(userIds)].filter((u) => u !== caller);
  const visible = new Set<string>(userIds.includes(caller) ? [caller] : []);
  if (others.length === 0) return visible;

  const [friends, shared, blocks] = await Promise.all([
    db.selectFrom('friendships').select('friend_id').where('user_id', '=', caller).where('friend_id', 'in', others).execute(),
    db
      .selectFrom('conversation_members as mine')
      .innerJoin('conversations as c', 'c.id', 'mine.conversation_id')
      .innerJoin('conversation_members as other', 'other.conversation_id', 'c.id')
      .leftJoin('conversation_accepted_by as a', (j) => j.onRef('a.conversation_id', '=', 'c.id').onRef('a.user_id', '=', 'other.user_id'))
      .select(['other.user_id as user', 'c.kind', 'c.created_by', 'a.user_id as accepted'])
      .where('mine.user_id', '=', caller)
      .where('other.user_id', 'in', others)
      .execute(),
    db
      .selectFrom('blocks')
      .select(['blocker_id', 'blocked_id'])
      .where((eb) =>
        eb.or([
          eb.and([eb('blocker_id', '=', caller), eb('blocked_id', 'in', others)]),
          eb.and([eb('blocked_id', '=', caller), eb('blocker_id', 'in', others)]),
        ]),
      )
      .execute(),
  ]);

  for (const f of friends) visible.add(f.friend_id);
  for (const s of shared) {
    if (s.kind === 'group' || s.created_by === s.user || s.accepted !== null) visible.add(s.user);
  }
  for (const b of blocks) visible.delete(b.blocker_id === caller ? b.blocked_id : b.blocker_id);
  return visible;
}
