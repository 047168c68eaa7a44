// A PostgreSQL schema of the cluster run's own on the local test server: every process of the run
// works in it (search_path in the URL) and it is dropped at the end.
import pg from 'pg';

/** The server the cluster uses; trust auth, user postgres, database test by default. */
export const PG_URL = process.env.MEKONG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

// Kysely's migrator lists the tables of every schema, which fails while another test drops a
// schema; the PostgreSQL tests of relay and sync-server take this advisory lock number around
// migrations (shared) and drops (exclusive), and so does the cluster while its processes start.
const SCHEMA_LOCK = 7_164_121_905;

export interface ClusterSchema {
  name: string;
  /** DATABASE_URL for the processes: connections work in this schema only. */
  url: string;
  /** Runs `fn` (starting processes that migrate) so that no other test drops a schema meanwhile. */
  migrating<T>(fn: () => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

async function admin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 20_000 });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is not reachable at ${PG_URL.replace(/\/\/[^@/]*@/, '//')} (${err instanceof Error ? err.message : String(err)}); ` +
        'start it or set MEKONG_TEST_PG_URL',
    );
  }
  return client;
}

/** Creates schema mk_cluster_<random>. */
export async function createClusterSchema(): Promise<ClusterSchema> {
  const name = `mk_cluster_${Math.random().toString(36).slice(2, 10)}`;
  const c = await admin();
  try {
    await c.query(`create schema ${name}`);
  } finally {
    await c.end();
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
  const options = encodeURIComponent(`-c search_path=${name}`);
  return {
    name,
    url: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${options}`,
    migrating: (fn) => locked(true, () => fn()),
    drop: () => locked(false, async (c) => void (await c.query(`drop schema if exists ${name} cascade`))),
  };
}
