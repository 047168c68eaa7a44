// Tells which SQL engine a Kysely instance talks to, whichever copy of kysely created it.
import { ErrorCode, MekongError } from '@mekong/schema';
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * True when `db` runs on PostgreSQL. `instanceof` alone is not enough: the service package may
 * build the instance with its own copy of kysely, whose PostgresAdapter is a different class.
 */
export function isPostgres(db: Kysely<unknown>): boolean {
  const adapter = db.getExecutor().adapter;
  return adapter instanceof PostgresAdapter || adapter.constructor.name === 'PostgresAdapter';
}

/**
 * The schema that unqualified table names resolve to on PostgreSQL (the first of search_path),
 * undefined on SQLite. Migrators need it: kysely looks for its bookkeeping tables in every schema
 * otherwise, and would mistake another schema's tables for ours.
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
