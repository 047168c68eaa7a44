// mekong-admin as an operator runs it: against the server's SQLite data folder, telling the relays
// through Redis when REDIS_URL is set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryRevocations, createRedisRevocations, type Revocation } from '@mekong/relay';
import { probeRedis } from '@mekong/relay/testing';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBanned } from '../accounts';
import { type Db, migrateToLatest, openDatabase } from '../db';
import { openSession } from '../sessions';
import { runAdmin } from './admin';

let dir: string;
let db: Kysely<Db>;
let lines: { out: string[]; err: string[] };
const io = (extra: Partial<Parameters<typeof runAdmin>[1]> = {}) => ({
  env: { MEKONG_DATA_DIR: dir },
  out: (l: string) => lines.out.push(l),
  err: (l: string) => lines.err.push(l),
  ...extra,
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mekong-admin-'));
  db = await openDatabase(join(dir, 'mekong.db'));
  await migrateToLatest(db);
  await db
    .insertInto('users')
    .values({ id: 'u_lan', username: 'lan', display_name: 'Lan', identity_key: 'k', password_hash: 'h', created_at: 1 })
    .execute();
  await openSession(db, { now: Date.now, refreshTtlMs: 60_000 }, 'u_lan', null);
  lines = { out: [], err: [] };
});
afterEach(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const openSessions = async () => (await db.selectFrom('sessions').select('id').where('revoked_at', 'is', null).execute()).length;

describe('mekong-admin ban / unban', () => {
  it('bans by username, revokes the sessions and tells the relays; unban lifts it', async () => {
    const bus = createMemoryRevocations();
    const events: Revocation[] = [];
    bus.subscribe((e) => events.push(e));
    expect(await runAdmin(['ban', 'Lan'], io({ revocations: bus }))).toBe(0);
    expect(lines.out.join('\n')).toMatch(/banned lan \(u_lan\); 1 open session\(s\) revoked\nrelays told/);
    expect(events).toEqual([{ kind: 'user', userId: 'u_lan' }]);
    expect(await isBanned(db, 'u_lan')).toBe(true);
    expect(await openSessions()).toBe(0);

    // by id, a second time: nothing new to revoke, and the relays are told again (a retry)
    expect(await runAdmin(['ban', 'u_lan'], io({ revocations: bus }))).toBe(0);
    expect(lines.out.at(-2)).toMatch(/was already banned; 0 open session/);
    expect(events).toHaveLength(2);

    expect(await runAdmin(['unban', 'lan'], io())).toBe(0);
    expect(lines.out.at(-1)).toMatch(/unbanned lan/);
    expect(await isBanned(db, 'u_lan')).toBe(false);
    expect(await runAdmin(['unban', 'lan'], io())).toBe(0);
    expect(lines.out.at(-1)).toMatch(/was not banned; nothing changed/);
  });

  it('says that relays were not told when REDIS_URL is not set', async () => {
    expect(await runAdmin(['ban', 'lan'], io())).toBe(0);
    expect(lines.out.at(-1)).toMatch(/REDIS_URL is not set/);
    expect(await isBanned(db, 'u_lan')).toBe(true);
  });

  it('exits 1 for an unknown user and 2 for a usage error, changing nothing', async () => {
    expect(await runAdmin(['ban', 'nobody'], io())).toBe(1);
    expect(lines.err.at(-1)).toMatch(/no user has the username or id "nobody"/);
    for (const argv of [[], ['kick', 'lan'], ['ban'], ['ban', 'lan', 'minh']]) expect(await runAdmin(argv, io())).toBe(2);
    expect(lines.err.at(-1)).toMatch(/exactly one USER/);
    expect(await isBanned(db, 'u_lan')).toBe(false);
    expect(await openSessions()).toBe(1);
  });

  it('exits 1 when Redis cannot be reached, with the ban in place', async () => {
    const bus = createMemoryRevocations();
    await bus.close(); // publishing now fails, as with Redis down
    expect(await runAdmin(['ban', 'lan'], io({ revocations: bus }))).toBe(1);
    expect(lines.err.at(-1)).toMatch(/the ban is in place but the relays could not be told.*Run the command again/);
    expect(await isBanned(db, 'u_lan')).toBe(true);
  });
});

const redis = await probeRedis();
describe.skipIf(!redis.ok && process.env.MEKONG_SKIP_REDIS === '1')('mekong-admin with REDIS_URL', () => {
  it('publishes the ban on the channel every relay listens to', async () => {
    if (!redis.ok) throw new Error(`${redis.reason}; start Redis or set MEKONG_SKIP_REDIS=1`);
    const listener = createRedisRevocations({ url: redis.url, logger: pino({ level: 'silent' }) });
    const events: Revocation[] = [];
    try {
      await listener.subscribe((e) => e.kind === 'user' && e.userId === 'u_lan' && events.push(e)).ready;
      expect(await runAdmin(['ban', 'lan'], io({ env: { MEKONG_DATA_DIR: dir, REDIS_URL: redis.url } }))).toBe(0);
      const deadline = Date.now() + 5000;
      while (events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(events).toEqual([{ kind: 'user', userId: 'u_lan' }]);
    } finally {
      await listener.close();
    }
  });
});
