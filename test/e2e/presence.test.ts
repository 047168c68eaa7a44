// Presence and typing across relays: an API process and two relay processes' worth of services on
// one PostgreSQL schema and one Redis. Lan is connected to relay 1, Minh to relay 2; they share a
// group. Lan sees Minh online, sees him typing in the group, and sees him offline once he closes;
// someone Lan shares nothing with stays hidden although online. The one-process configuration
// (no Redis: presence in memory, shared by the embedded relay and the API) is checked too.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Conversation, MekongClient } from '@mekong/client-core';
import { createNodeClient } from '@mekong/client-core/node';
import { type RunningMekong, startMekong } from '@mekong/sync-server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, FAST_HASH, newClient, startTestServer } from '../helpers';

const REDIS = process.env.MEKONG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_URL = process.env.MEKONG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SKIP = process.env.MEKONG_SKIP_REDIS === '1' || process.env.MEKONG_SKIP_PG === '1';
/** The lock the PostgreSQL tests take around migrations (shared) and schema drops (exclusive). */
const SCHEMA_LOCK = 7_164_121_905;

/** A throwaway PostgreSQL schema; `url` works in it only. */
async function createSchema() {
  const name = `mk_presence_${randomBytes(5).toString('hex')}`;
  const locked = async (shared: boolean, fn: (c: pg.Client) => Promise<unknown>) => {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      await c.query(shared ? 'select pg_advisory_lock_shared($1)' : 'select pg_advisory_lock($1)', [SCHEMA_LOCK]);
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  await locked(true, (c) => c.query(`create schema ${name}`));
  return {
    url: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${name}`)}`,
    migrating: (fn: () => Promise<unknown>) => locked(true, fn),
    drop: () => locked(false, (c) => c.query(`drop schema if exists ${name} cascade`)),
  };
}

let dir: string;
let schema: Awaited<ReturnType<typeof createSchema>>;
let api: RunningMekong;
let relay1: RunningMekong;
let relay2: RunningMekong;
const clients: MekongClient[] = [];

async function client(name: string, relay: RunningMekong): Promise<MekongClient> {
  const c = await createNodeClient({
    server: `http://127.0.0.1:${api.port}`,
    relay: `http://127.0.0.1:${relay.port}`,
    home: join(dir, name),
    pollIntervalMs: 200,
  });
  clients.push(c);
  await c.register({ username: name, password: `${name} password 123`, displayName: name[0]!.toUpperCase() + name.slice(1) });
  await eventually(() => c.status === 'online', 10_000, `${name} online`);
  return c;
}

beforeAll(async () => {
  if (SKIP) return;
  dir = mkdtempSync(join(tmpdir(), 'mekong-presence-'));
  schema = await createSchema();
  const shared = {
    host: '127.0.0.1',
    dataDir: join(dir, 'data'),
    logLevel: 'silent',
    passwordHash: FAST_HASH,
    databaseUrl: schema.url,
    redisUrl: REDIS,
    tokenSecret: randomBytes(32).toString('hex'),
  };
  await schema.migrating(async () => {
    api = await startMekong({ port: 0, role: 'api', ...shared });
    relay1 = await startMekong({ port: 0, role: 'relay', ...shared });
    relay2 = await startMekong({ port: 0, role: 'relay', ...shared });
  });
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await relay1?.stop();
  await relay2?.stop();
  await api?.stop();
  await schema?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(SKIP)(`presence and typing across relays (PostgreSQL + Redis)${SKIP ? ' (skipped: MEKONG_SKIP_REDIS or MEKONG_SKIP_PG is 1)' : ''}`, () => {
  it('shows a member on another relay online, typing in the group, and offline once he closes', async () => {
    const tag = randomBytes(3).toString('hex');
    const lan = await client(`lan${tag}`, relay1);
    const minh = await client(`minh${tag}`, relay2);
    const stranger = await client(`khach${tag}`, relay2);
    const minhId = minh.session!.userId;

    const group = await lan.createGroup({ name: 'Nhà mình', members: [minh.session!.username] });
    await eventually(async () => (await minh.groups()).some((g) => g.id === group.id), 15_000, 'minh sees the group');
    const lanChat: Conversation = await lan.open(group.id);
    const minhChat: Conversation = await minh.open(group.id);
    await lanChat.synced();
    await minhChat.synced();

    // online: Minh's socket is on relay 2, Lan asks the API, which reads what relay 2 wrote to Redis
    const [seen] = await lan.presence([minh.session!.username]);
    expect(seen).toMatchObject({ userId: minhId, online: true });
    expect(seen!.lastSeen).toBeGreaterThan(0);
    // someone Lan shares nothing with is hidden, though connected
    expect(await lan.presence([{ id: stranger.session!.userId }])).toEqual([{ userId: stranger.session!.userId, online: false, lastSeen: null }]);

    // typing: sealed by Minh's device, relayed through relay 2 → Redis → relay 1, opened by Lan
    const typing: string[][] = [];
    lanChat.onTyping((users) => typing.push(users.map((u) => u.displayName)));
    const typedAt = performance.now();
    minhChat.typing();
    const minhName = minh.session!.displayName;
    await eventually(() => typing.at(-1)?.join() === minhName, 5_000, 'lan sees minh typing');
    const typingLatency = performance.now() - typedAt;
    await minhChat.send('Tối nay ăn gì?');
    await eventually(() => lanChat.messages().some((m) => m.text === 'Tối nay ăn gì?'), 10_000, 'the message');
    await eventually(() => typing.at(-1)?.length === 0, 5_000, 'typing cleared once the message is sent');
    expect(typing[0]).toEqual([]);
    expect(typing).toContainEqual([minhName]);

    // offline: Minh closes his client; relay 2 lets go of him at once
    const beforeClose = Date.now();
    const closedAt = performance.now();
    await minh.close();
    await eventually(async () => !(await lan.presence([{ id: minhId }]))[0]!.online, 5_000, 'minh offline');
    const offlineLatency = performance.now() - closedAt;
    const [gone] = await lan.presence([{ id: minhId }]);
    expect(gone!.lastSeen).toBeGreaterThanOrEqual(beforeClose - 1000);
    console.info(`presence across relays: typing seen after ${typingLatency.toFixed(1)} ms; offline seen ${offlineLatency.toFixed(1)} ms after close (upper bounds, polled)`);
  }, 60_000);
});

describe('presence in one process (no Redis)', () => {
  it('shows the person who wrote first online to the one they wrote to, and offline once they close', async () => {
    const server = await startTestServer();
    const lan = await newClient(server, 'lan');
    const minh = await newClient(server, 'minh');
    try {
      await lan.register({ username: 'lan', password: 'lan password 1234', displayName: 'Lan' });
      await minh.register({ username: 'minh', password: 'minh password 123', displayName: 'Minh' });
      await (await lan.openDirect('minh')).send('Chào Minh');
      await eventually(() => lan.status === 'online', 10_000, 'lan online');
      expect((await minh.presence(['lan']))[0]).toMatchObject({ userId: lan.session!.userId, online: true });
      // Minh has not answered Lan's message request: Lan learns nothing about Minh yet
      expect(await lan.presence(['minh'])).toEqual([{ userId: minh.session!.userId, online: false, lastSeen: null }]);
      await lan.close();
      await eventually(async () => !(await minh.presence(['lan']))[0]!.online, 5_000, 'lan offline');
      expect((await minh.presence(['lan']))[0]!.lastSeen).toBeGreaterThan(0);
    } finally {
      await lan.close().catch(() => {});
      await minh.close();
      await server.stop();
    }
  }, 30_000);
});
