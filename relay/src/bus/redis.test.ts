import { ErrorCode } from '@mekong/schema';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import type { BusMessage } from '../ports';
import { closeAfterEach, describeWithRedis, killConnection, probeRedis, testPrefix } from '../test-support/redis';
import { until } from '../test-support/wait';
import { runFanoutBusContract } from './contract';
import { createRedisBus, type RedisBus, type RedisBusOptions } from './redis';
import { rng } from '../test-support/rng';

const probe = await probeRedis();
const silent = pino({ level: 'silent' });


describeWithRedis('Redis fan-out bus', probe, () => {
  const prefix = testPrefix('bus');
  runFanoutBusContract('redis', async () => createRedisBus({ url: probe.url, prefix, logger: silent }), { shared: true });

  const scope = closeAfterEach();
  const bus = (extra: Partial<RedisBusOptions> = {}): RedisBus => scope.keep(createRedisBus({ url: probe.url, prefix, logger: silent, ...extra }));
  const raw = () => scope.raw(probe.url);

  it('puts compact binary on the channel: 12 header bytes, the origin, the envelope', async () => {
    const listener = raw();
    const frames: Buffer[] = [];
    listener.on('messageBuffer', (_channel: Buffer, payload: Buffer) => frames.push(payload));
    await listener.subscribe(`${prefix}wire`);
    const envelope = new Uint8Array(1000).fill(0xab);
    await bus().publish('wire', { kind: 'update', seq: 7, envelope, origin: 'conn-1' });
    await until(() => frames.length === 1, 'raw frame');
    const frame = frames[0] ?? Buffer.alloc(0);
    expect(frame.byteLength).toBe(12 + 6 + 1000);
    expect([...frame.subarray(0, 12)]).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 6]);
  });

  it('reports a gap for every conversation once the subscriber is live again after a dropped connection', async () => {
    const b = bus();
    const got: BusMessage[] = [];
    await b.subscribe('k1', (m) => got.push(m)).ready;
    const gaps: Array<string | undefined> = [];
    b.onGap((conv) => gaps.push(conv));
    expect(await killConnection(probe.url, b.connectionNames.subscriber)).toBe(1);
    await until(() => gaps.length > 0, 'gap after reconnect');
    expect(gaps).toEqual([undefined]);
    // the gap comes only once the channel is subscribed again: a publish right after it arrives
    await bus().publish('k1', { kind: 'ephemeral', envelope: new Uint8Array([1]), origin: 'x' });
    await until(() => got.length === 1, 'delivery after reconnect');
  });

  it('reports a gap for a conversation whose payload cannot be read, and keeps delivering', async () => {
    const b = bus();
    const got: BusMessage[] = [];
    await b.subscribe('bad', (m) => got.push(m)).ready;
    const gaps: Array<string | undefined> = [];
    b.onGap((conv) => gaps.push(conv));
    await raw().publish(`${prefix}bad`, Buffer.from('{"json":"is not the format"}'));
    await until(() => gaps.length === 1, 'gap for an undecodable payload');
    expect(gaps).toEqual(['bad']);
    await bus().publish('bad', { kind: 'update', seq: 1, envelope: new Uint8Array([5]), origin: '' });
    await until(() => got.length === 1, 'later delivery');
    expect(got[0]).toMatchObject({ kind: 'update', seq: 1 });
  });

  it('is live once ready, for fresh subscriptions racing a publisher loop (seeds 1..4)', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const random = rng(seed);
      const publisher = bus();
      const subscriber = bus();
      const conv = `race-${seed}`;
      let committed = 0; // stands for the log: bumped before publishing, as the relay appends before it publishes
      let running = true;
      const loop = (async () => {
        while (running) {
          committed++;
          await publisher.publish(conv, { kind: 'update', seq: committed, envelope: new Uint8Array([committed & 0xff]), origin: '' });
          if (random() < 0.3) await new Promise((r) => setTimeout(r, 0));
        }
      })();
      for (let round = 0; round < 6; round++) {
        await new Promise((r) => setTimeout(r, Math.floor(random() * 15)));
        const seen: number[] = [];
        const subscription = subscriber.subscribe(conv, (m) => m.kind === 'update' && seen.push(m.seq));
        await subscription.ready;
        const head = committed; // "read the log" only once live
        await until(() => seen.some((s) => s > head + 20), `seed ${seed} round ${round}: live updates`);
        const after = seen.filter((s) => s > head);
        const expected = Array.from({ length: (after.at(-1) ?? head) - head }, (_, i) => head + 1 + i);
        expect(after, `seed ${seed} round ${round}: every update after the read arrives once, in order`).toEqual(expected);
        subscription.unsubscribe(); // the last handler: the next round subscribes on Redis afresh
      }
      running = false;
      await loop;
    }
  });

  it('fails a subscription with UNAVAILABLE when Redis cannot confirm it, and bounds publishes kept for later', async () => {
    const nowhere = bus({ url: 'redis://127.0.0.1:1', subscribeTimeoutMs: 200, maxQueuedPublishes: 2, retryDelayMs: () => 100 });
    const started = Date.now();
    await expect(nowhere.subscribe('x', () => {}).ready).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    expect(Date.now() - started).toBeLessThan(2000);
    const msg: BusMessage = { kind: 'ephemeral', envelope: new Uint8Array([1]), origin: '' };
    await nowhere.publish('x', msg); // kept until Redis is back
    await nowhere.publish('x', msg);
    await expect(nowhere.publish('x', msg)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    await nowhere.close(); // does not wait for a server that is not there
  });
});
