// The caller's phone number and email: private, unique when set, matched exactly by search.
import { type ContactResponse, ErrorCode, MekongError, type UpdateContactRequest } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { Db } from '../db';
import type { UserContactColumns } from '../db/schema-social';
import { noSuchUser } from './errors';

const taken = (what: 'phone' | 'email') =>
  new MekongError(
    ErrorCode.CONFLICT,
    what === 'phone' ? 'This phone number belongs to another account.' : 'This email address belongs to another account.',
  );

/** A unique index refused the write: SQLite's and PostgreSQL's spellings of it. */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

const contacts = (db: Kysely<Db>) => db.withTables<{ users: UserContactColumns }>();

export async function getContact(db: Kysely<Db>, me: string): Promise<ContactResponse> {
  const row = await contacts(db).selectFrom('users').select(['phone', 'email']).where('id', '=', me).executeTakeFirst();
  if (!row) throw noSuchUser();
  return { phone: row.phone, email: row.email };
}

/** Applies the fields present in `patch` (null clears one) and answers the stored contact. */
export async function updateContact(db: Kysely<Db>, me: string, patch: UpdateContactRequest): Promise<ContactResponse> {
  const set: Partial<UserContactColumns> = {};
  for (const field of ['phone', 'email'] as const) {
    const value = patch[field];
    if (value === undefined) continue;
    set[field] = value;
    // Checked first for a clear answer; the unique index below still settles a race.
    if (value !== null) {
      const owner = await contacts(db).selectFrom('users').select('id').where(field, '=', value).where('id', '!=', me).executeTakeFirst();
      if (owner) throw taken(field);
    }
  }
  if (Object.keys(set).length > 0) {
    try {
      await contacts(db).updateTable('users').set(set).where('id', '=', me).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw taken(String(err).includes('email') ? 'email' : 'phone');
      throw err;
    }
  }
  return getContact(db, me);
}
