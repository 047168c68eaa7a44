import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqlLogStore, migrateRelay, type RelayDb } from '@mekong/relay';
import { type Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { isPostgres, isPostgresUrl, migrateToLatest, openDatabase } from './index';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempFile() {
  const dir = await mkdtemp(join(tmpdir(), 'mekong-db-'));
  dirs.push(dir);
  return join(dir, 'nested', 'services.sqlite');
}

const now = 1_700_000_000_000;
const user = (id: string, username: string) => ({
  id,
  username,
  display_name: id,
  identity_key: 'k',
  password_hash: 'h',
  created_at: now,
});

describe('openDatabase + migrateToLatest', () => {
  it('opens a file in WAL mode with foreign keys and a busy timeout, creating its folder', async () => {
    const db = await openDatabase(await tempFile());
    const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db)).rows[0] as object)[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBe(5000);
    await db.destroy();
  });

  it('applies the migrations once and keeps data across reopening', async () => {
    const file = await tempFile();
    const db = await openDatabase(file);
    expect(await migrateToLatest(db)).toEqual(['0001_init', '0002_social', '0003_groups', '0004_media', '0005_bans']);
    expect(await migrateToLatest(db)).toEqual([]);
    await db.insertInto('users').values(user('u1', 'lan')).execute();
    await db.destroy();

    const again = await openDatabase(file);
    expect(await migrateToLatest(again)).toEqual([]);
    expect(await again.selectFrom('users').select('username').execute()).toEqual([{ username: 'lan' }]);
    await again.destroy();
  });

  it('enforces the unique and foreign-key constraints the services rely on', async () => {
    const db = await openDatabase(':memory:');
    await migrateToLatest(db);
    await db.insertInto('users').values([user('u1', 'lan'), user('u2', 'minh')]).execute();
    await expect(db.insertInto('users').values(user('u3', 'lan')).execute()).rejects.toThrow(/UNIQUE/);
    await expect(
      db.insertInto('devices').values({ id: 'd', user_id: 'nobody', sign_key: 's', box_key: 'b', certificate: 'c', name: null, created_at: now, revoked_at: null }).execute(),
    ).rejects.toThrow(/FOREIGN KEY/);

    const conv = { kind: 'direct' as const, created_at: now, created_by: 'u1' };
    await db.insertInto('conversations').values({ id: 'c1', pair_key: 'u1:u2', ...conv }).execute();
    await expect(db.insertInto('conversations').values({ id: 'c2', pair_key: 'u1:u2', ...conv }).execute()).rejects.toThrow(/UNIQUE/);
    // Many conversations without a pair key (groups, later) may coexist.
    await db.insertInto('conversations').values([{ id: 'g1', pair_key: null, ...conv }, { id: 'g2', pair_key: null, ...conv }]).execute();
    await db.destroy();
  });
});

describe('isPostgresUrl', () => {
  it('picks PostgreSQL for postgres:// and postgresql:// URLs only', () => {
    expect(isPostgresUrl('postgres://u@db:5432/mekong')).toBe(true);
    expect(isPostgresUrl('postgresql://u:p@db/mekong?sslmode=require')).toBe(true);
    expect(isPostgresUrl('POSTGRES://db/mekong')).toBe(true);
    for (const file of [':memory:', './data/mekong.db', '/var/lib/postgres.db', 'postgres', 'postgres:/x']) {
      expect(isPostgresUrl(file)).toBe(false);
    }
  });
});

describe('the relay log on the same SQLite instance (one process)', () => {
  it('migrates beside the services and appends through the shared connection', async () => {
    const db = await openDatabase(':memory:');
    expect(isPostgres(db as Kysely<unknown>)).toBe(false);
    await migrateToLatest(db);
    const relayDb = db as unknown as Kysely<RelayDb>;
    await migrateRelay(relayDb);
    const type = await sql<{ type: string }>`select lower(type) as type from pragma_table_info('relay_log') where name = 'envelope'`.execute(db);
    expect(type.rows).toEqual([{ type: 'blob' }]);
    const log = createSqlLogStore(relayDb);
    expect(await log.append('c', 'd', 1, new Uint8Array([7]))).toEqual({ seq: 1, duplicate: false });
    expect(Object.getPrototypeOf((await log.readAfter('c', 0, 1))[0]?.envelope)).toBe(Uint8Array.prototype);
    await log.close();
    expect(await db.selectFrom('users').select('id').execute()).toEqual([]);
    await db.destroy();
  });
});
