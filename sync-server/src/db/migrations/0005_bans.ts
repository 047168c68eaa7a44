// Bans: when an operator suspended an account (null: not banned). A banned user cannot sign in or
// refresh, and every session of theirs is revoked when the ban is placed. Schema builder only, so
// the same migration runs on SQLite and PostgreSQL.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('banned_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('banned_at').execute();
}
