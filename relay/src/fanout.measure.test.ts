// Measures fan-out latency and throughput, in-process bus against Redis, at the bus and through two relays.
// Prints the figures; asserts only that everything arrived (timings depend on the machine).
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { createMemoryBus } from './bus';
import { createRedisBus } from './bus/redis';
import { createMemoryLogStore } from './log';
import type { BusMessage, FanoutBus } from './ports';
import type { Peer } from './test-support/peer';
import { describeWithRedis, probeRedis, testPrefix } from './test-support/redis';
import { testRelay } from './test-support/setup';

const probe = await probeRedis();
const silent = pino({ level: 'silent' });
const ENVELOPE = new Uint8Array(256).fill(0x5a); // about a short encrypted chat message

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const ms = (n: number) => `${n.toFixed(3)} ms`;
const rows: string[] = [];
const report = (what: string, lat: number[], perSecond: number) => {
  const sorted = [...lat].sort((a, b) => a - b);
  rows.push(`${what.padEnd(34)} p50 ${ms(quantile(sorted, 0.5)).padStart(10)}  p99 ${ms(quantile(sorted, 0.99)).padStart(10)}  ${Math.round(perSecond).toString().padStart(7)} msg/s`);
};

/** One publish at a time for latency, then `burst` at once for throughput. */
async function measureBus(publisher: FanoutBus, subscriber: FanoutBus, rounds: number, burst: number) {
  const conv = `measure-${Math.random()}`;
  let received = 0;
  let wake: (() => void) | undefined;
  await subscriber.subscribe(conv, () => {
    received++;
    wake?.();
  }).ready;
  const waitFor = (n: number) =>
    new Promise<void>((resolve) => {
      if (received >= n) return resolve();
      wake = () => {
        if (received >= n) resolve();
      };
    });
  const latencies: number[] = [];
  for (let i = 1; i <= rounds; i++) {
    const t0 = performance.now();
    const arrived = waitFor(received + 1);
    await publisher.publish(conv, { kind: 'update', seq: i, envelope: ENVELOPE, origin: 'm' } satisfies BusMessage);
    await arrived;
    latencies.push(performance.now() - t0);
  }
  const start = performance.now();
  const target = received + burst;
  const all = waitFor(target);
  await Promise.all(Array.from({ length: burst }, (_, i) => publisher.publish(conv, { kind: 'update', seq: rounds + i + 1, envelope: ENVELOPE, origin: 'm' })));
  await all;
  expect(received).toBe(target);
  return { latencies, perSecond: burst / ((performance.now() - start) / 1000) };
}

/** Push from `writer`, time until `reader` holds the update; then a burst for throughput. */
async function measureRelays(writer: Peer, reader: Peer, rounds: number, burst: number) {
  for (const p of [writer, reader]) {
    p.send({ type: 'subscribe', conv: 'room', after: 0 });
    await p.next('synced');
  }
  const count = () => reader.frames.length;
  const latencies: number[] = [];
  let counter = 0;
  for (let i = 0; i < rounds; i++) {
    const before = count();
    const t0 = performance.now();
    writer.send({ type: 'push', conv: 'room', counter: ++counter, envelope: ENVELOPE });
    while (count() === before) await new Promise((r) => setImmediate(r));
    latencies.push(performance.now() - t0);
  }
  const start = performance.now();
  const before = reader.all('update').length;
  for (let i = 0; i < burst; i++) writer.send({ type: 'push', conv: 'room', counter: ++counter, envelope: ENVELOPE });
  while (reader.all('update').length < before + burst) await new Promise((r) => setTimeout(r, 1));
  return { latencies, perSecond: burst / ((performance.now() - start) / 1000) };
}

describeWithRedis('fan-out figures (printed)', probe, () => {
  afterAll(() => {
    console.log(`\nfan-out on this machine (256-byte envelopes)\n${rows.join('\n')}\n`);
  });

  it('bus: publish → handler', async () => {
    const memory = createMemoryBus();
    const m = await measureBus(memory, memory, 2000, 20_000);
    report('memory bus', m.latencies, m.perSecond);
    const prefix = testPrefix('measure');
    const pub = createRedisBus({ url: probe.url, prefix, logger: silent });
    const sub = createRedisBus({ url: probe.url, prefix, logger: silent });
    const r = await measureBus(pub, sub, 2000, 20_000);
    report('redis bus (two connections)', r.latencies, r.perSecond);
    await Promise.all([memory.close(), pub.close(), sub.close()]);
  });

  it('relay: push → update at another client', async () => {
    const limits = { framesPerSecond: 100_000, burst: 100_000 };
    const one = testRelay({ limits });
    const m = await measureRelays(await one.connect('alice:d1'), await one.connect('bob:d1'), 500, 5000);
    report('one relay, memory bus', m.latencies, m.perSecond);
    await one.relay.stop();

    const prefix = testPrefix('measure-relay');
    const log = createMemoryLogStore();
    const busA = createRedisBus({ url: probe.url, prefix, logger: silent });
    const busB = createRedisBus({ url: probe.url, prefix, logger: silent });
    const a = testRelay({ log, bus: busA, limits });
    const b = testRelay({ log, bus: busB, limits });
    const r = await measureRelays(await a.connect('alice:d1'), await b.connect('bob:d1'), 500, 5000);
    report('two relays, redis bus', r.latencies, r.perSecond);
    await Promise.all([a.relay.stop(), b.relay.stop()]);
    await Promise.all([busA.close(), busB.close()]);
  });
});
