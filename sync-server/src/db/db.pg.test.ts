import { createSqlLogStore, migrateRelay, type RelayDb } from '@mekong/relay';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isPostgres, migrateToLatest, openDatabase } from './index';
import { createPgSchema, type PgSchema, SKIP_PG, SKIP_PG_REASON } from './pg-testing';

const now = 1_700_000_000_000;
const user = (id: string, username: string) => ({ id, username, display_name: id, identity_key: 'k', password_hash: 'h', created_at: now });

// One schema for this file, made on first use so an unreachable server fails the tests that need it.
let schema: Promise<PgSchema> | undefined;
const mySchema = () => {
  schema ??= createPgSchema();
  return schema;
};
const opened: Kysely<unknown>[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.destroy().catch(() => undefined);
});
afterAll(async () => {
  if (schema) await (await schema).drop();
});

async function open() {
  const db = await openDatabase((await mySchema()).url);
  opened.push(db as Kysely<unknown>);
  return db;
}

async function migrated() {
  const db = await open();
  await (await mySchema()).migrating(() => migrateToLatest(db));
  await sql`truncate users cascade`.execute(db);
  return db;
}

describe.skipIf(SKIP_PG)(`openDatabase on PostgreSQL${SKIP_PG ? ` (${SKIP_PG_REASON})` : ''}`, () => {
  it('opens a postgres:// URL as a PostgreSQL pool and migrates it once', async () => {
    const db = await open();
    expect(isPostgres(db as Kysely<unknown>)).toBe(true);
    const s = await mySchema();
    expect(await s.migrating(() => migrateToLatest(db))).toEqual(['0001_init', '0002_social', '0003_groups', '0004_media', '0005_bans']);
    expect(await s.migrating(() => migrateToLatest(db))).toEqual([]);
    await db.insertInto('users').values(user('u1', 'lan')).execute();
    await db.destroy();

    const again = await open();
    expect(await s.migrating(() => migrateToLatest(again))).toEqual([]);
    expect(await again.selectFrom('users').select('username').execute()).toEqual([{ username: 'lan' }]);
    const { rows } = await sql<{ n: number }>`select count(*) as n from services_migrations`.execute(again);
    expect(rows).toEqual([{ n: 5 }]);
  });

  it('enforces the unique and foreign-key constraints the services rely on', async () => {
    const db = await migrated();
    await db.insertInto('users').values([user('u1', 'lan'), user('u2', 'minh')]).execute();
    await expect(db.insertInto('users').values(user('u3', 'lan')).execute()).rejects.toThrow(/unique constraint/);
    await expect(
      db.insertInto('devices').values({ id: 'd', user_id: 'nobody', sign_key: 's', box_key: 'b', certificate: 'c', name: null, created_at: now, revoked_at: null }).execute(),
    ).rejects.toThrow(/foreign key constraint/);
    const conv = { kind: 'direct' as const, created_at: now, created_by: 'u1' };
    await db.insertInto('conversations').values({ id: 'c1', pair_key: 'u1:u2', ...conv }).execute();
    await expect(db.insertInto('conversations').values({ id: 'c2', pair_key: 'u1:u2', ...conv }).execute()).rejects.toThrow(/unique constraint/);
    await db.insertInto('conversations').values([{ id: 'g1', pair_key: null, ...conv }, { id: 'g2', pair_key: null, ...conv }]).execute();
  });

  it('reads BIGINT columns and counts as numbers, on this pool only', async () => {
    const db = await migrated();
    await db.insertInto('users').values({ ...user('u1', 'lan'), created_at: 2 ** 52 }).execute();
    const row = await db.selectFrom('users').select('created_at').executeTakeFirstOrThrow();
    expect(row.created_at).toBe(2 ** 52);
    const count = await db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
    // the pg module's global parsers are untouched: another pool still gets strings
    expect(pg.types.getTypeParser(20, 'text')('5')).toBe('5');
  });

  it('orders ids byte by byte, as SQLite does, whatever the database locale', async () => {
    const db = await migrated();
    const ids = ['a', 'B', '_x', '-y', 'Z', 'b'];
    await db.insertInto('users').values(ids.map((id) => user(id, `n${ids.indexOf(id)}`))).execute();
    const rows = await db.selectFrom('users').select('id').orderBy('id').execute();
    expect(rows.map((r) => r.id)).toEqual(['-y', 'B', 'Z', '_x', 'a', 'b']);
    const s = await mySchema();
    const { rows: cols } = await sql<{ collation_name: string | null }>`
      select collation_name from information_schema.columns
      where table_schema = ${s.name} and table_name = 'key_envelopes' and column_name = 'conversation_id'`.execute(db);
    expect(cols).toEqual([{ collation_name: 'C' }]);
  });

  it('lets the relay log share the instance (one process): bytea envelopes, plain Uint8Arrays back', async () => {
    const db = await migrated();
    const relayDb = db as unknown as Kysely<RelayDb>;
    await (await mySchema()).migrating(() => migrateRelay(relayDb));
    const s = await mySchema();
    const { rows } = await sql<{ data_type: string }>`
      select data_type from information_schema.columns
      where table_schema = ${s.name} and table_name = 'relay_log' and column_name = 'envelope'`.execute(db);
    expect(rows).toEqual([{ data_type: 'bytea' }]);
    const log = createSqlLogStore(relayDb);
    expect(await log.append('shared', 'd', 1, new Uint8Array([1, 2, 3]))).toEqual({ seq: 1, duplicate: false });
    const [entry] = await log.readAfter('shared', 0, 10);
    expect(entry?.seq).toBe(1);
    expect(Object.getPrototypeOf(entry?.envelope)).toBe(Uint8Array.prototype);
    expect([...(entry?.envelope ?? [])]).toEqual([1, 2, 3]);
    await log.close();
    // the log store left the shared pool open for the services
    expect(await db.selectFrom('users').select('id').execute()).toEqual([]);
  });
});
