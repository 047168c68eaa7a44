// Test support: throwaway schemas on the local PostgreSQL, and a loud failure when the server is
// missing (MEKONG_SKIP_PG=1 turns that into a skip). Imported by tests and test-helpers only.
import { createPgSchema, type PgSchema } from '@mekong/relay/testing';
import { type Kysely, sql } from 'kysely';
import { migrateToLatest } from './migrate';
import { openDatabase } from './open';
import type { Db } from './schema';

// the schema kit is the relay's (one advisory lock number for both suites on the shared server)
export { createPgSchema, PG_URL, type PgSchema, SKIP_PG, SKIP_PG_REASON, withSearchPath } from '@mekong/relay/testing';

// Migrating a schema costs ~150 ms and emptying one ~20 ms, so a test file reuses its schemas.
const spare: PgSchema[] = [];

/**
 * A migrated, empty service database in a schema of its own. Its destroy() empties the schema and
 * keeps it for the next call of this process; dropSpareSchemas() drops what is kept.
 */
export async function pgTestDatabase(): Promise<Kysely<Db>> {
  const reused = spare.pop();
  const schema = reused ?? (await createPgSchema());
  const db = await openDatabase(schema.url);
  if (!reused) await schema.migrating(() => migrateToLatest(db));
  const destroy = db.destroy.bind(db);
  let destroyed: Promise<void> | undefined;
  const empty = async () => {
    const { rows } = await sql<{ name: string }>`
      select tablename as name from pg_tables
      where schemaname = current_schema() and tablename not like '%migrations%'`.execute(db);
    await sql`truncate ${sql.join(rows.map((r) => sql.table(r.name)))} cascade`.execute(db);
  };
  db.destroy = () => {
    destroyed ??= (async () => {
      const emptied = await empty().then(
        () => true,
        () => false,
      );
      await destroy();
      if (emptied) spare.push(schema);
      else await schema.drop();
    })();
    return destroyed;
  };
  return db;
}

export async function dropSpareSchemas(): Promise<void> {
  for (const schema of spare.splice(0)) await schema.drop();
}
