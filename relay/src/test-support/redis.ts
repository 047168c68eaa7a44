// Tests against a real Redis: find it, keep parallel runs apart, and cut a named connection.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, it } from 'vitest';

/** Where the tests look for Redis; MEKONG_REDIS_URL overrides. */
export const TEST_REDIS_URL = process.env.MEKONG_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type RedisProbe = { ok: true; url: string } | { ok: false; url: string; reason: string };

/** Answers whether Redis at `url` replies to PING within a second and a half. */
export async function probeRedis(url = TEST_REDIS_URL): Promise<RedisProbe> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1500 });
  let cause: unknown;
  client.on('error', (err) => {
    cause ??= err; // the socket error (ECONNREFUSED, ...) says more than the "closed" that follows
  });
  try {
    await client.connect();
    await client.ping();
    return { ok: true, url };
  } catch (err) {
    const why = cause ?? err;
    return { ok: false, url, reason: `Redis at ${url} is unreachable (${why instanceof Error ? why.message : String(why)})` };
  } finally {
    client.disconnect();
  }
}

/**
 * describe() for tests that need Redis. Without it they fail with a message saying what to do,
 * unless MEKONG_SKIP_REDIS=1, which skips them with the reason.
 */
export function describeWithRedis(name: string, probe: RedisProbe, body: () => void): void {
  if (probe.ok) {
    describe(name, body);
  } else if (process.env.MEKONG_SKIP_REDIS === '1') {
    describe.skip(`${name} (skipped: ${probe.reason}; MEKONG_SKIP_REDIS=1)`, body);
  } else {
    describe(name, () => {
      it('needs a reachable Redis', () => {
        throw new Error(`${probe.reason}. Start Redis there, point MEKONG_REDIS_URL at one, or set MEKONG_SKIP_REDIS=1 to skip.`);
      });
    });
  }
}

/** A key and channel prefix of its own for each test run, so parallel runs never see each other. */
export function testPrefix(what: string): string {
  return `mekong-test:${what}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Closes the connections named `name` (CLIENT SETNAME) from the server side, as a dropped network would; how many. */
export async function killConnection(url: string, name: string): Promise<number> {
  const admin = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const list = await admin.client('LIST');
    const ids = String(list)
      .split('\n')
      .filter((line) => line.split(' ').includes(`name=${name}`))
      .map((line) => /(?:^| )id=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
    for (const id of ids) await admin.client('KILL', 'ID', id);
    return ids.length;
  } finally {
    admin.disconnect();
  }
}

export interface RedisTestScope {
  /** Keeps `closeable` (an adapter under test) to close after the test; returns it. */
  keep<T extends { close(): Promise<unknown> }>(closeable: T): T;
  /** A plain connection to `url` (to watch a channel or publish raw bytes), dropped after the test. */
  raw(url: string): Redis;
}

/** What each test of the calling suite opens is closed after it, in the order it was opened. */
export function closeAfterEach(): RedisTestScope {
  const open: Array<{ close(): Promise<unknown> }> = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });
  return {
    keep(closeable) {
      open.push(closeable);
      return closeable;
    },
    raw(url) {
      const r = new Redis(url, { maxRetriesPerRequest: 1 });
      open.push({ close: async () => r.disconnect() });
      return r;
    },
  };
}

export interface PrivateRedis {
  url: string;
  /** SIGKILL: connections drop and, with no persistence, every subscription is forgotten. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

/**
 * A throwaway redis-server of this test's own on a free loopback port, to restart at will; undefined
 * when the redis-server program is not installed. The caller must kill() it.
 */
export async function startPrivateRedis(): Promise<PrivateRedis | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const deadline = Date.now() + 5000;
    while (!(await probeRedis(url)).ok) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  await start();
  return { url, kill, start };
}
