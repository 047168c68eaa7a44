// A cluster's first start: 3 relays and 2 API replicas start at the same moment on one empty
// PostgreSQL database, and every one of them runs the migrations at startup (no separate job).
// They must all come up, and each migration must be applied exactly once.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase, type RunningMekong, startMekong } from '@mekong/sync-server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_HASH } from '../helpers';

const PG_URL = process.env.MEKONG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SKIP_PG = process.env.MEKONG_SKIP_PG === '1';
// The lock number the package test suites take around migrations and schema drops (Kysely's
// migrator lists every schema's tables and fails when one is dropped mid-query).
const SCHEMA_LOCK = 7_164_121_905;

async function admin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  await client.connect().catch(async (err: Error) => {
    await client.end().catch(() => undefined);
    throw new Error(`PostgreSQL is not reachable (${err.message}); start it or set MEKONG_SKIP_PG=1 to skip.`);
  });
  return client;
}

/** Runs fn while holding the schema lock: shared to migrate, exclusive to drop. */
async function withSchemaLock<T>(mode: 'shared' | 'exclusive', fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await admin();
  try {
    await c.query(mode === 'shared' ? 'select pg_advisory_lock_shared($1)' : 'select pg_advisory_lock($1)', [SCHEMA_LOCK]);
    return await fn(c);
  } finally {
    await c.end();
  }
}

const schema = `mk_deploy_${randomBytes(5).toString('hex')}`;
const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
let dir: string;
const started: RunningMekong[] = [];

beforeAll(async () => {
  if (SKIP_PG) return;
  dir = mkdtempSync(join(tmpdir(), 'mekong-migrate-'));
  const c = await admin();
  await c.query(`create schema ${schema}`);
  await c.end();
});

afterAll(async () => {
  await Promise.all(started.map((m) => m.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (!SKIP_PG) await withSchemaLock('exclusive', (c) => c.query(`drop schema if exists ${schema} cascade`));
});

describe.skipIf(SKIP_PG)('migrations when a whole cluster starts at once on PostgreSQL', () => {
  it('brings up 3 relays and 2 API replicas together, applying each migration once', async () => {
    const tokenSecret = randomBytes(32).toString('hex');
    const roles = ['relay', 'relay', 'relay', 'api', 'api'] as const;
    const results = await withSchemaLock('shared', () =>
      Promise.allSettled(
        roles.map((role, i) =>
          startMekong({
            port: 0,
            host: '127.0.0.1',
            role,
            databaseUrl: url,
            tokenSecret,
            dataDir: join(dir, `replica-${i}`),
            logLevel: 'silent',
            passwordHash: FAST_HASH,
          }),
        ),
      ),
    );
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(failures).toEqual([]);

    // every replica serves readiness (its database is reachable and migrated)
    for (const m of started) {
      const res = await fetch(`http://127.0.0.1:${m.port}/readyz`);
      expect(res.status).toBe(200);
    }

    // each migration is recorded once, and nothing is left to apply
    const c = await admin();
    try {
      for (const table of ['services_migrations', 'relay_migrations']) {
        const { rows } = await c.query<{ name: string; n: string }>(
          `select name, count(*) as n from ${schema}.${table} group by name order by name`,
        );
        expect(rows.length, `${table} lists the applied migrations`).toBeGreaterThan(0);
        expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
      }
      const { rows: tables } = await c.query<{ name: string }>('select tablename as name from pg_tables where schemaname = $1', [schema]);
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['relay_log', 'relay_heads', 'relay_snapshots']));
    } finally {
      await c.end();
    }
    const db = await openDatabase(url);
    try {
      expect(await withSchemaLock('shared', () => migrateToLatest(db))).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
