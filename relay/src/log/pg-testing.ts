// Test support: a throwaway schema on the local PostgreSQL for each test file, and a loud failure
// when the server is missing (MEKONG_SKIP_PG=1 turns that into a skip). Imported by tests only.
import pg from 'pg';

/** The server the PostgreSQL tests use; trust auth, user postgres, database test by default. */
export const PG_URL = process.env.MEKONG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const SKIP_PG = process.env.MEKONG_SKIP_PG === '1';
/** Shown as the name of skipped suites, so a skip is never silent. */
export const SKIP_PG_REASON = 'skipped because MEKONG_SKIP_PG=1';

// Kysely's migrator lists the tables of every schema with functions that fail when a schema is
// dropped mid-query; test files create and drop schemas in parallel, so drops wait for migrations.
const SCHEMA_LOCK = 7_164_121_905;

async function admin(): Promise<pg.Client> {
  // generous: a machine busy with a cluster of processes accepts connections slowly
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 20_000 });
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

/** Creates schema <prefix><random> on the test server. Throws a message saying what to do when the server is missing. */
export async function createPgSchema(prefix = 'mk_'): Promise<PgSchema> {
  const name = `${prefix}${Math.random().toString(36).slice(2, 12)}`;
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
