// Two Mekong processes' worth of services on one database with Redis fan-out: people connected
// to different relays chat live, with no sticky sessions.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MekongClient } from '@mekong/client-core';
import { createNodeClient } from '@mekong/client-core/node';
import { type RunningMekong, startMekong } from '@mekong/sync-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, FAST_HASH } from '../helpers';

const REDIS = process.env.MEKONG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let dir: string;
let a: RunningMekong;
let b: RunningMekong;
let alice: MekongClient;
let bob: MekongClient;

beforeAll(async () => {
  if (process.env.MEKONG_SKIP_REDIS === '1') return;
  dir = mkdtempSync(join(tmpdir(), 'mekong-cluster-'));
  const shared = { host: '127.0.0.1', dataDir: join(dir, 'data'), logLevel: 'silent', passwordHash: FAST_HASH, redisUrl: REDIS, tokenSecret: randomBytes(32).toString('hex') };
  a = await startMekong({ port: 0, ...shared });
  b = await startMekong({ port: 0, ...shared });
  alice = await createNodeClient({ server: `http://127.0.0.1:${a.port}`, home: join(dir, 'alice'), pollIntervalMs: 200 });
  bob = await createNodeClient({ server: `http://127.0.0.1:${b.port}`, home: join(dir, 'bob'), pollIntervalMs: 200 });
});

afterAll(async () => {
  await alice?.close();
  await bob?.close();
  await a?.stop();
  await b?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(process.env.MEKONG_SKIP_REDIS === '1')('two relays, one Redis', () => {
  it('delivers live across relays, each message exactly once', async () => {
    await alice.register({ username: 'alice', password: 'alice password 1', displayName: 'Alice' });
    await bob.register({ username: 'bob', password: 'bob password 12', displayName: 'Bob' });
    const aChat = await alice.openDirect('bob');
    await aChat.send('first');
    await eventually(async () => (await bob.conversations()).length > 0);
    const bChat = await bob.open((await bob.conversations())[0]!.id);
    await bChat.synced();
    const sent: string[] = ['first'];
    for (let i = 0; i < 30; i++) {
      const t = `across ${i}`;
      sent.push(t);
      await (i % 2 ? aChat : bChat).send(t);
    }
    await eventually(() => [aChat, bChat].every((c) => sent.every((t) => c.messages().filter((m) => m.text === t).length === 1)), 20_000, 'cross-relay delivery');
    expect(bChat.messages().map((m) => m.text)).toEqual(aChat.messages().map((m) => m.text));
  });
});
