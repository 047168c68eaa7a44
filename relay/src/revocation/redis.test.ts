import { ErrorCode } from '@mekong/schema';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import type { Joined, ListHint, Revocation } from '../ports';
import { closeAfterEach, describeWithRedis, killConnection, probeRedis, startPrivateRedis, testPrefix } from '../test-support/redis';
import { until } from '../test-support/wait';
import { runRevocationBusContract } from './contract';
import { createRedisRevocations, type RedisRevocationOptions, type RedisRevocations } from './redis';

const probe = await probeRedis();
const silent = pino({ level: 'silent' });

describeWithRedis('Redis revocation bus', probe, () => {
  // a channel of this run's own, so parallel runs never see each other's events
  const channel = `${testPrefix('revocation')}events`;
  runRevocationBusContract('redis', async () => createRedisRevocations({ url: probe.url, channel, logger: silent }), { shared: true });

  const scope = closeAfterEach();
  const bus = (extra: Partial<RedisRevocationOptions> = {}): RedisRevocations =>
    scope.keep(createRedisRevocations({ url: probe.url, channel, logger: silent, ...extra }));
  const raw = () => scope.raw(probe.url);

  it('puts versioned JSON on its own channel', async () => {
    const listener = raw();
    const payloads: string[] = [];
    listener.on('message', (_name: string, payload: string) => payloads.push(payload));
    await listener.subscribe(channel);
    await bus().publish({ kind: 'member', conversationId: 'g1', userId: 'u1' });
    await until(() => payloads.length === 1, 'raw payload');
    expect(JSON.parse(payloads[0] ?? '')).toEqual({ v: 1, kind: 'member', conversationId: 'g1', userId: 'u1' });
  });

  it('puts join hints as versioned JSON on a channel of their own, so a relay that predates them never sees one', async () => {
    const listener = raw();
    const got: Array<[string, unknown]> = [];
    listener.on('message', (name: string, payload: string) => got.push([name, JSON.parse(payload)]));
    await listener.subscribe(channel, `${channel}:joined`);
    await bus().publish({ kind: 'joined', conversationId: 'g1', userId: 'u1' });
    await bus().publish({ kind: 'user', userId: 'u2' }); // a marker on the revocation channel
    await until(() => got.length === 2, 'raw payloads');
    expect(got).toEqual([
      [`${channel}:joined`, { v: 1, kind: 'joined', conversationId: 'g1', userId: 'u1' }],
      [channel, { v: 1, kind: 'user', userId: 'u2' }],
    ]);
  });

  it('drops an unreadable join hint with a warning and no gap, and keeps delivering', async () => {
    const lines: Array<{ msg?: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const listener = bus({ logger });
    const joins: ListHint[] = [];
    const revoked: Revocation[] = [];
    await listener.subscribeHints((e) => joins.push(e)).ready;
    await listener.subscribe((e) => revoked.push(e)).ready;
    let gaps = 0;
    listener.onGap(() => gaps++);
    const joinsChannel = `${channel}:joined`;
    for (const payload of ['not json', '{"v":2,"kind":"joined","conversationId":"g","userId":"u"}', '{"v":1,"kind":"joined","conversationId":"g"}', '{"v":1,"kind":"user","userId":"u"}']) {
      await raw().publish(joinsChannel, payload);
    }
    const ok: Joined = { kind: 'joined', conversationId: 'g_ok', userId: 'u_ok' };
    await bus().publish(ok);
    await until(() => joins.length === 1, 'later delivery');
    expect(joins).toEqual([ok]);
    expect(lines.filter((l) => l.msg === 'dropped an unreadable hint')).toHaveLength(4);
    expect(gaps).toBe(0); // nothing was taken away: no socket is re-checked
    expect(revoked).toEqual([]); // a revocation on the joins channel is not acted on
  });

  it('reports a gap once the listener is live again after its connection dropped', async () => {
    const listener = bus();
    const got: Revocation[] = [];
    await listener.subscribe((e) => got.push(e)).ready;
    let gaps = 0;
    listener.onGap(() => gaps++);
    expect(await killConnection(probe.url, listener.connectionNames.subscriber)).toBe(1);
    await until(() => gaps === 1, 'gap after reconnect');
    // the gap comes only once the channel is subscribed again: an event right after it arrives
    await bus().publish({ kind: 'user', userId: 'u_after' });
    await until(() => got.length === 1, 'delivery after reconnect');
    expect(got).toEqual([{ kind: 'user', userId: 'u_after' }]);
  });

  it('reports a gap for an unreadable event and keeps delivering', async () => {
    const listener = bus();
    const got: Revocation[] = [];
    await listener.subscribe((e) => got.push(e)).ready;
    let gaps = 0;
    listener.onGap(() => gaps++);
    await raw().publish(channel, '{"v":2,"kind":"user","userId":"u"}');
    await raw().publish(channel, 'not json');
    await until(() => gaps === 2, 'gaps for unreadable events');
    await bus().publish({ kind: 'user', userId: 'u_ok' });
    await until(() => got.length === 1, 'later delivery');
    expect(got).toEqual([{ kind: 'user', userId: 'u_ok' }]);
  });

  it('does not drop an event published while Redis is down: the publisher is told, and the event goes out once Redis is back', async () => {
    const redis = await startPrivateRedis();
    if (!redis) throw new Error('redis-server is not installed; install it to run this test');
    try {
      // the listener reconnects fast and the publisher slowly, so the listener is live again first
      const listener = bus({ url: redis.url, retryDelayMs: () => 20 });
      const publisher = bus({ url: redis.url, publishTimeoutMs: 200, retryDelayMs: () => 600 });
      const got: Revocation[] = [];
      let gaps = 0;
      listener.onGap(() => gaps++);
      await listener.subscribe((e) => got.push(e)).ready;
      await publisher.publish({ kind: 'user', userId: 'u_before' });
      await until(() => got.length === 1, 'delivery before the outage');

      await redis.kill();
      const late: Revocation = { kind: 'device', userId: 'u_lan', deviceId: 'd_old' };
      await expect(publisher.publish(late)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
      await redis.start();
      // the listener may have missed events while Redis was away: it says so, so the relay re-checks
      await until(() => gaps === 1, 'gap after Redis came back');
      // and the publisher still sends what it could not send in time
      await until(() => got.length === 2, 'the queued event', 10_000);
      expect(got[1]).toEqual(late);
    } finally {
      await redis.kill();
    }
  });

  it('fails a subscription with UNAVAILABLE when Redis cannot confirm it, and bounds events kept for later', async () => {
    const nowhere = bus({ url: 'redis://127.0.0.1:1', subscribeTimeoutMs: 200, publishTimeoutMs: 100, maxQueuedPublishes: 2, retryDelayMs: () => 100 });
    await expect(nowhere.subscribe(() => {}).ready).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    const e: Revocation = { kind: 'user', userId: 'u' };
    await expect(nowhere.publish(e)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE }); // kept, and the caller is told
    await expect(nowhere.publish(e)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    const started = Date.now();
    await expect(nowhere.publish(e)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE, message: expect.stringMatching(/too many/) });
    expect(Date.now() - started).toBeLessThan(100); // refused at once, not after the timeout
    await nowhere.close();
  });

  it('counts join hints kept for later apart from revocations, so hints never crowd one out', async () => {
    const nowhere = bus({ url: 'redis://127.0.0.1:1', publishTimeoutMs: 100, maxQueuedPublishes: 1, retryDelayMs: () => 100 });
    const hint: Joined = { kind: 'joined', conversationId: 'g', userId: 'u' };
    await expect(nowhere.publish(hint)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE, message: expect.stringMatching(/did not take its hint/) });
    await expect(nowhere.publish(hint)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE, message: expect.stringMatching(/too many hints/) });
    // the revocation still gets its place in the queue: it waits for the timeout instead of being refused
    await expect(nowhere.publish({ kind: 'user', userId: 'u' })).rejects.toMatchObject({ message: expect.stringMatching(/did not take it in time/) });
    await nowhere.close();
  });
});
