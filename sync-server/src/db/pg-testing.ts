// Test support: throwaway schemas on the local PostgreSQL, and a loud failure when the server is
// missing (MEKONG_SKIP_PG=1 turns that into a skip). Imported by tests and test-helpers only.
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrate';
import { openDatabase } from './open';
import type { Db } from './schema';

/** The server the PostgreSQL tests use; trust auth, user postgres, database test by default. */
export const PG_URL = process.env.MEKONG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const SKIP_PG = process.env.MEKONG_SKIP_PG === '1';
/** Shown as the name of skipped suites, so a skip is never silent. */
export const SKIP_PG_REASON = 'skipped because MEKONG_SKIP_PG=1';

// Kysely's migrator lists the tables of every schema with functions that fail when a schema is
// dropped mid-query; test files create and drop schemas in parallel, so drops wait for migrations.
// The relay's tests take the same lock number, since both suites share the test server.
const SCHEMA_LOCK = 7_164_121_905;

async function admin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    const where = PG_URL.replace(/\/\/[^@/]*@/, '//');
    throw new Error(
      `PostgreSQL is not reachable at ${where} (${err instanceof Error ? err.message : String(err)}). ` +
        'Start it (trust auth for user postgres, database test) or set MEKONG_TEST_PG_URL; ' +
        'set MEKONG_SKIP_PG=1 to skip the PostgreSQL tests instead.',
    );
  }
  return client;
}

/** `url` with search_path set to `schema` on every connection a pool opens. */
export function withSearchPath(url: string, schema: string): string {
  const options = encodeURIComponent(`-c search_path=${schema}`);
  return `${url}${url.includes('?') ? '&' : '?'}options=${options}`;
}

export interface PgSchema {
  name: string;
  /** Connection URL whose connections work in this schema only. */
  url: string;
  /** Runs `fn` (a migration) so that no schema is dropped meanwhile. */
  migrating<T>(fn: () => Promise<T>): Promise<T>;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** Creates schema mk_<random> on the test server. Throws a message saying what to do when the server is missing. */
export async function createPgSchema(): Promise<PgSchema> {
  const name = `mk_${Math.random().toString(36).slice(2, 12)}`;
  const client = await admin();
  try {
    await client.query(`create schema ${name}`);
  } finally {
    await client.end();
  }
  const locked = async <T>(shared: boolean, fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = await admin();
    try {
      await c.query(shared ? 'select pg_advisory_lock_shared($1)' : 'select pg_advisory_lock($1)', [SCHEMA_LOCK]);
      return await fn(c);
    } finally {
      await c.end(); // ending the session releases its advisory locks
    }
  };
  return {
    name,
    url: withSearchPath(PG_URL, name),
    migrating: (fn) => locked(true, () => fn()),
    drop: () => locked(false, async (c) => void (await c.query(`drop schema if exists ${name} cascade`))),
  };
}

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
