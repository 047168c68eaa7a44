// Queries on users. Usernames arrive lower-cased from the schema, so equality is exact.
import type { UserProfile } from '@mekong/schema';
import type { Kysely, Selectable } from 'kysely';
import type { Db, UsersTable } from '../db';

export type UserRow = Selectable<UsersTable>;

export function profileOf(user: UserRow): UserProfile {
  return { id: user.id, username: user.username, displayName: user.display_name, identityKey: user.identity_key };
}

export function findUserById(db: Kysely<Db>, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findUserByUsername(db: Kysely<Db>, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

/** Users holding any of `usernames`, in no particular order; the names are asked in chunks that fit any engine's parameter limit. */
export async function findUsersByUsernames(db: Kysely<Db>, usernames: readonly string[]): Promise<UserRow[]> {
  const out: UserRow[] = [];
  for (let i = 0; i < usernames.length; i += USERNAME_CHUNK) {
    const chunk = usernames.slice(i, i + USERNAME_CHUNK);
    out.push(...(await db.selectFrom('users').selectAll().where('username', 'in', chunk).execute()));
  }
  return out;
}

const USERNAME_CHUNK = 500;

/** Inserts the user unless the username is taken; answers whether it was inserted. */
export async function insertUser(db: Kysely<Db>, user: UserRow): Promise<boolean> {
  const res = await db
    .insertInto('users')
    .values(user)
    .onConflict((oc) => oc.column('username').doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function updateDisplayName(db: Kysely<Db>, id: string, displayName: string): Promise<void> {
  await db.updateTable('users').set({ display_name: displayName }).where('id', '=', id).execute();
}
