import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { describeWithRedis, probeRedis, testPrefix } from '../test-support/redis';
import { runPresenceContract } from './contract';
import { createRedisPresence } from './redis';

const probe = await probeRedis();
const silent = pino({ level: 'silent' });

describeWithRedis('Redis presence', probe, () => {
  // keys of this run's own, so parallel runs never see each other's users
  const prefix = testPrefix('presence');
  runPresenceContract('redis', async (clock) => createRedisPresence({ url: probe.url, prefix, now: clock.now, logger: silent }), { shared: true });

  const admin = new Redis(probe.url, { maxRetriesPerRequest: 1 });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  });

  it('writes the keys an operator looks for, each with a time to live', async () => {
    const store = createRedisPresence({ url: probe.url, prefix, logger: silent });
    try {
      await store.hold('relay-a', ['u_ops'], 60_000);
      expect(await admin.zrange(`${prefix}relays:u_ops`, '0', '-1')).toEqual(['relay-a']);
      const relaysTtl = await admin.pttl(`${prefix}relays:u_ops`);
      expect(relaysTtl).toBeGreaterThan(0);
      expect(relaysTtl).toBeLessThanOrEqual(60_000);
      expect(Number(await admin.get(`${prefix}seen:u_ops`))).toBeGreaterThan(0);
      expect(await admin.pttl(`${prefix}seen:u_ops`)).toBeGreaterThan(60_000);
      await store.release('relay-a', 'u_ops');
      expect(await admin.zrange(`${prefix}relays:u_ops`, '0', '-1')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('answers UNAVAILABLE, not a wrong answer, when Redis cannot be reached', async () => {
    const store = createRedisPresence({ url: 'redis://127.0.0.1:1', prefix, logger: silent, commandTimeoutMs: 300 });
    try {
      await expect(store.lookup(['u_any'])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await store.close();
    }
  });
});
