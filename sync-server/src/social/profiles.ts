// Public profiles as the social routes return them, read straight from users (the accounts
// service keeps its own queries private).
import type { UserProfile } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { Db } from '../db';

/** Columns of users aliased "u" that make a profile; select them next to a join. */
export const PROFILE_COLUMNS = ['u.id', 'u.username', 'u.display_name', 'u.identity_key'] as const;

export interface ProfileRow {
  id: string;
  username: string;
  display_name: string;
  identity_key: string;
}

export function toProfile(row: ProfileRow): UserProfile {
  return { id: row.id, username: row.username, displayName: row.display_name, identityKey: row.identity_key };
}

export async function findProfile(db: Kysely<Db>, userId: string): Promise<UserProfile | undefined> {
  const row = await db.selectFrom('users as u').select(PROFILE_COLUMNS).where('u.id', '=', userId).executeTakeFirst();
  return row && toProfile(row);
}

const collator = new Intl.Collator('vi', { sensitivity: 'base' });

/** Orders by display name as a Vietnamese reader expects ("Ánh" beside "Anh", not after "Z"), then id. */
export function byDisplayName<T extends { user: UserProfile }>(a: T, b: T): number {
  return collator.compare(a.user.displayName, b.user.displayName) || (a.user.id < b.user.id ? -1 : a.user.id > b.user.id ? 1 : 0);
}
