import { ErrorCode, MekongError } from '@mekong/schema';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisConnector, endRedis, resubscribeOnReconnect, within } from './redis-connection';
import { describeWithRedis, killConnection, probeRedis, testPrefix } from './test-support/redis';
import { until } from './test-support/wait';

const probe = await probeRedis();

/** A logger that keeps what it is asked to write, at every level. */
function recorder() {
  const lines: Array<{ level: number; msg: string; connection?: string }> = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const opened: Array<{ disconnect(): void }> = [];
afterEach(() => {
  for (const r of opened.splice(0)) r.disconnect();
});

describe('Redis connections of the relay adapters', () => {
  it('warns once per outage, not once per reconnect attempt of each connection', async () => {
    const { logger, lines } = recorder();
    const connect = createRedisConnector({ url: 'redis://127.0.0.1:1', logger, what: 'fan-out', retryDelayMs: () => 20 });
    const pub = connect.open('mekong-test-pub', 'publisher');
    const sub = connect.open('mekong-test-sub', 'subscriber');
    opened.push(pub, sub);
    let errors = 0;
    pub.on('error', () => errors++);
    sub.on('error', () => errors++);
    await until(() => errors >= 6, 'several failed attempts');
    const warnings = lines.filter((l) => l.msg === 'fan-out Redis connection failed; retrying');
    expect(warnings).toHaveLength(1);
    expect(['publisher', 'subscriber']).toContain(warnings[0]?.connection);
  });

  it('ends a connection that is down at once instead of waiting for Redis', async () => {
    const connect = createRedisConnector({ url: 'redis://127.0.0.1:1', logger: pino({ level: 'silent' }), what: 'presence' });
    const redis = connect.open('mekong-test-down');
    const started = Date.now();
    await endRedis(redis);
    await endRedis(undefined);
    expect(Date.now() - started).toBeLessThan(100);
    await until(() => redis.status === 'end', 'the connection ended, with no further attempt', 1000);
  });

  it('bounds a wait with the caller’s error, and passes through what comes in time', async () => {
    const late = new Promise<string>((resolve) => setTimeout(() => resolve('late'), 500));
    await expect(within(late, 20, () => new MekongError(ErrorCode.UNAVAILABLE, 'not in time'))).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    await expect(within(Promise.resolve('now'), 20, () => new Error('unused'))).resolves.toBe('now');
  });
});

describeWithRedis('re-confirming subscriptions after a reconnect', probe, () => {
  it('calls onLive once the channel is confirmed again, after a drop and not before', async () => {
    const { logger, lines } = recorder();
    const channel = `${testPrefix('connection')}live`;
    const name = `mekong-test-resub-${process.pid}-${Date.now()}`;
    const redis = createRedisConnector({ url: probe.url, logger, what: 'test' }).open(name, 'subscriber');
    opened.push(redis);
    let lives = 0;
    const watch = resubscribeOnReconnect(redis, {
      logger,
      isClosed: () => false,
      resubscribe: () => redis.subscribe(channel),
      onLive: () => lives++,
      liveMessage: 'test subscriber is live again',
    });
    await redis.subscribe(channel);
    expect(watch.lost).toBe(false);
    expect(await killConnection(probe.url, name)).toBe(1);
    await until(() => lives === 1, 'live again');
    expect(watch.lost).toBe(false);
    expect(lines.some((l) => l.msg === 'test subscriber is live again')).toBe(true);
    // the connection is live: a publish now reaches it
    const got: string[] = [];
    redis.on('message', (_c: string, m: string) => got.push(m));
    const publisher = createRedisConnector({ url: probe.url, logger, what: 'test' }).open(`${name}-pub`);
    opened.push(publisher);
    await publisher.publish(channel, 'after');
    await until(() => got.length === 1, 'delivery after the reconnect');
    await endRedis(redis);
    await endRedis(publisher);
  });
});
