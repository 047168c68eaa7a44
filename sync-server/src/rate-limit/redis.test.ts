import { describeWithRedis, probeRedis, testPrefix } from '@mekong/relay/testing';
import { ErrorCode } from '@mekong/schema';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { runRateLimiterContract } from './contract';
import { createRedisRateLimiter, type RedisRateLimiter } from './redis';

const probe = await probeRedis();

describeWithRedis('Redis rate limiter', probe, () => {
  const redis = new Redis(probe.url);
  const made: RedisRateLimiter[] = [];
  afterAll(async () => {
    for (const l of made) await l.close();
    redis.disconnect();
  });

  runRateLimiterContract('redis', {
    async create(attempts, windowMs) {
      let t = 1_000_000;
      const limiter = createRedisRateLimiter({ redis, attempts, windowMs, prefix: testPrefix('rl'), now: () => t });
      return {
        limiter,
        advance: (ms) => {
          t += ms;
        },
      };
    },
  });

  it('holds the limit across replicas taking at once: never more than `attempts` in all', async () => {
    const prefix = testPrefix('rl-shared');
    // two replicas, each with its own connection, on Redis's clock
    const replicas = [0, 1].map(() => createRedisRateLimiter({ url: probe.url, attempts: 10, windowMs: 60_000, prefix }));
    made.push(...replicas);
    const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => replicas[i % 2]?.take('203.0.113.7')));
    expect(decisions.filter((d) => d?.allowed)).toHaveLength(10);
    const refused = decisions.find((d) => d && !d.allowed);
    expect(refused && !refused.allowed && refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused && !refused.allowed && refused.retryAfterSeconds).toBeLessThanOrEqual(6); // a token per 6 s
    expect((await replicas[0]?.take('198.51.100.1'))?.allowed).toBe(true); // another key is untouched
  });

  it('lets Redis forget a bucket once it would be full again', async () => {
    const prefix = testPrefix('rl-ttl');
    const limiter = createRedisRateLimiter({ redis, attempts: 5, windowMs: 10_000, prefix });
    await limiter.take('k');
    const ttl = await redis.pttl(`${prefix}k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2000 + 1000); // one token back takes 2 s, plus a margin
  });

  it('answers UNAVAILABLE, not a crash or a free pass, when Redis cannot be reached', async () => {
    const limiter = createRedisRateLimiter({ url: 'redis://127.0.0.1:1', attempts: 1, windowMs: 1000, prefix: 'x:' });
    made.push(limiter);
    await expect(limiter.take('k')).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });

  it('refuses to be built without a connection or with a limit that makes no sense', () => {
    expect(() => createRedisRateLimiter({ attempts: 1, windowMs: 1000, prefix: 'x:' })).toThrow();
    expect(() => createRedisRateLimiter({ redis, attempts: 0, windowMs: 1000, prefix: 'x:' })).toThrow();
  });
});
