// Tells which SQL engine a Kysely instance talks to, for the few places where the two differ.
import { ErrorCode, MekongError } from '@mekong/schema';
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * True when `db` runs on PostgreSQL. By class name too: an instance built by another copy of
 * kysely (the relay's, say) carries a PostgresAdapter of a different class.
 */
export function isPostgres(db: Kysely<unknown>): boolean {
  const adapter = db.getExecutor().adapter;
  return adapter instanceof PostgresAdapter || adapter.constructor.name === 'PostgresAdapter';
}

/**
 * On PostgreSQL, the schema unqualified names resolve to (first of search_path); undefined on
 * SQLite. The migrator needs it, or kysely looks for its tables in every schema of the database.
 */
export async function currentSchema(db: Kysely<unknown>): Promise<string | undefined> {
  if (!isPostgres(db)) return undefined;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) {
    throw new MekongError(ErrorCode.UNAVAILABLE, 'PostgreSQL has no current schema; make search_path name an existing schema.');
  }
  return schema;
}
