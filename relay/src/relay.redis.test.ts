// Two relays, one log, one Redis: clients on either relay see every update once, in order, whatever Redis loses.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { createRedisBus, type RedisBusOptions } from './bus/redis';
import { createMemoryLogStore, openSqliteLogStore } from './log';
import type { BusMessage, FanoutBus, LogStore } from './ports';
import type { Peer } from './test-support/peer';
import { describeWithRedis, killConnection, probeRedis, startPrivateRedis, testPrefix } from './test-support/redis';
import { bytes, testRelay, text } from './test-support/setup';
import { rng } from './test-support/rng';

const probe = await probeRedis();
const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** Seqs of the updates `peer` received for `conv`, in arrival order, each checked against its body. */
function seqs(peer: Peer, conv = 'room'): number[] {
  return peer.all('update').flatMap((u) => {
    if (u.conv !== conv) return [];
    expect(text(u.envelope)).toBe(`m${u.seq}`);
    return [u.seq];
  });
}
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** After a peer has `n` updates, waits past the relay's quiet-time read so a late duplicate would show. */
async function receivedExactly(peer: Peer, n: number, conv = 'room'): Promise<void> {
  await until(() => seqs(peer, conv).length >= n, `${peer.name}: ${n} updates`);
  await sleep(1300);
  expect(seqs(peer, conv), `${peer.name} gets each update once, in order`).toEqual(oneTo(n));
}


describeWithRedis('relays sharing one log and one Redis', probe, () => {
  let cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  interface ClusterOptions {
    /** Another Redis than the shared one. */
    url?: string;
    log?: LogStore;
    /** The second relay's own store over the same data (another process on the same SQLite file). */
    logB?: LogStore;
    wrapA?: (bus: FanoutBus) => FanoutBus;
    wrapB?: (bus: FanoutBus) => FanoutBus;
    busB?: Partial<RedisBusOptions>;
    members?: Record<string, string[]>;
  }

  function cluster(options: ClusterOptions = {}) {
    const prefix = testPrefix('relay');
    const log = options.log ?? createMemoryLogStore();
    const url = options.url ?? probe.url;
    const busA = createRedisBus({ url, prefix, logger: silent });
    const busB = createRedisBus({ url, prefix, logger: silent, ...options.busB });
    const limits = { framesPerSecond: 5000, burst: 5000 };
    const members = options.members ?? { room: ['alice', 'bob'] };
    const a = testRelay({ log, bus: options.wrapA?.(busA) ?? busA, limits, members });
    const b = testRelay({ log: options.logB ?? log, bus: options.wrapB?.(busB) ?? busB, limits, members });
    cleanup.push(async () => {
      await a.relay.stop();
      await b.relay.stop();
      await busA.close();
      await busB.close();
    });
    return { a, b, busA, busB, log };
  }

  const subscribe = async (peer: Peer, conv = 'room', after = 0) => {
    peer.send({ type: 'subscribe', conv, after });
    return peer.next('synced', (s) => s.conv === conv);
  };
  const push = (peer: Peer, counter: number, body: string, conv = 'room') => peer.send({ type: 'push', conv, counter, envelope: bytes(body) });

  it('delivers live across relays exactly once and in order, with publishers on both relays', async () => {
    const { a, b, log } = cluster();
    const alice = await a.connect('alice:d1', 'alice@A');
    const bobWriter = await b.connect('bob:d3', 'bob-writer@B');
    const bobOnB = await b.connect('bob:d1', 'bob@B');
    const aliceOnA = await a.connect('alice:d2', 'alice-phone@A');
    for (const p of [bobOnB, aliceOnA]) await subscribe(p);
    // bodies name the seq they get, which is known only at ack: push, learn the seq, and check bodies by order
    const bodies = new Map<number, string>();
    const pushAll = async (peer: Peer, n: number) => {
      for (let i = 1; i <= n; i++) {
        push(peer, i, `from ${peer.name} #${i}`);
        if (i % 10 === 0) await sleep(1);
      }
      for (let i = 1; i <= n; i++) {
        const ack = await peer.next('ack', (x) => x.counter === i);
        bodies.set(ack.seq, `from ${peer.name} #${i}`);
      }
    };
    await Promise.all([pushAll(alice, 60), pushAll(bobWriter, 60)]);
    expect(await log.head('room')).toBe(120);
    for (const peer of [bobOnB, aliceOnA]) {
      await until(() => peer.all('update').length >= 120, `${peer.name}: 120 updates`);
    }
    await sleep(1300);
    for (const peer of [bobOnB, aliceOnA]) {
      const got = peer.all('update');
      expect(got.map((u) => u.seq), `${peer.name}: each once, in order`).toEqual(oneTo(120));
      expect(got.map((u) => text(u.envelope))).toEqual(oneTo(120).map((s) => bodies.get(s)));
    }
  });

  it('works the same over one SQLite file opened by each relay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mekong-relay-redis-'));
    const log = await openSqliteLogStore(join(dir, 'log.db'));
    const logB = await openSqliteLogStore(join(dir, 'log.db'));
    cleanup.push(async () => {
      await log.close();
      await logB.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const { a, b } = cluster({ log, logB });
    const alice = await a.connect('alice:d1');
    const bob = await b.connect('bob:d1');
    await subscribe(bob);
    for (let i = 1; i <= 40; i++) push(alice, i, `m${i}`);
    await receivedExactly(bob, 40);
  });

  it('delivers what was published while the subscriber connection was cut, once and in order, after it reconnects', async () => {
    let viaBus = 0;
    const counting = (bus: FanoutBus): FanoutBus => ({
      ...bus,
      subscribe: (conv, handler) =>
        bus.subscribe(conv, (m: BusMessage) => {
          if (m.kind === 'update') viaBus++;
          handler(m);
        }),
    });
    // a slow reconnect makes sure the pushes below land while B is not subscribed
    const { a, b, busB } = cluster({ wrapB: counting, busB: { retryDelayMs: () => 500 } });
    const gaps: Array<string | undefined> = [];
    busB.onGap((conv) => gaps.push(conv));
    const alice = await a.connect('alice:d1');
    const bob = await b.connect('bob:d1');
    await subscribe(bob);

    expect(await killConnection(probe.url, busB.connectionNames.subscriber)).toBe(1);
    for (let i = 1; i <= 20; i++) push(alice, i, `m${i}`);
    for (let i = 1; i <= 20; i++) await alice.next('ack', (x) => x.counter === i);
    // nothing reached B through Redis, and no later update reveals the hole: only the reconnect can
    await until(() => gaps.length > 0, 'B reports the gap once resubscribed');
    await until(() => seqs(bob).length >= 20, 'bob: the 20 pushed while cut off');
    expect(viaBus, 'Redis lost everything pushed while B was cut off').toBe(0);
    expect(gaps).toEqual([undefined]);
    for (let i = 21; i <= 25; i++) push(alice, i, `m${i}`);
    await receivedExactly(bob, 25);
    expect(viaBus, 'live again after the reconnect').toBe(5);
  });

  it('delivers everything once, in order, across a Redis restart (its own redis-server, killed and started again)', async (ctx) => {
    const server = await startPrivateRedis();
    if (!server) return ctx.skip('the redis-server program is not installed');
    cleanup.push(() => server.kill());
    const { a, b, busB } = cluster({ url: server.url });
    const gaps: Array<string | undefined> = [];
    busB.onGap((conv) => gaps.push(conv));
    const alice = await a.connect('alice:d1');
    const bob = await b.connect('bob:d1');
    const bobOnA = await a.connect('bob:d2', 'bob-phone@A');
    await subscribe(bob);
    await subscribe(bobOnA);
    for (let i = 1; i <= 5; i++) push(alice, i, `m${i}`);
    await until(() => seqs(bob).length === 5 && seqs(bobOnA).length === 5, 'first 5 live');

    await server.kill();
    // pushes go on while Redis is away: stored and acked, their publishes kept for later or lost
    for (let i = 6; i <= 15; i++) push(alice, i, `m${i}`);
    for (let i = 6; i <= 15; i++) await alice.next('ack', (x) => x.counter === i);
    await sleep(200);
    await server.start(); // empty: no subscriptions, nothing kept
    await until(() => gaps.length > 0, 'B reports the gap once resubscribed');
    for (let i = 16; i <= 20; i++) push(alice, i, `m${i}`);
    await receivedExactly(bob, 20);
    expect(seqs(bobOnA)).toEqual(oneTo(20));
  });

  it('fills updates the bus dropped (every third publish) from the log, including a dropped last one', async () => {
    let publishes = 0;
    const lossy = (bus: FanoutBus): FanoutBus => ({
      ...bus,
      publish: (conv, msg) => (msg.kind === 'update' && ++publishes % 3 === 0 ? Promise.resolve() : bus.publish(conv, msg)),
    });
    const { a, b } = cluster({ wrapA: lossy });
    const alice = await a.connect('alice:d1');
    const bob = await b.connect('bob:d1');
    const bobOnA = await a.connect('bob:d2', 'bob-phone@A');
    await subscribe(bob);
    await subscribe(bobOnA);
    for (let i = 1; i <= 30; i++) push(alice, i, `m${i}`); // 3, 6, ... 30 never reach Redis
    await receivedExactly(bob, 30);
    expect(seqs(bobOnA)).toEqual(oneTo(30));
    expect(publishes).toBe(30);
  });

  it('carries typing and presence across relays without storing them', async () => {
    const { a, b, log } = cluster();
    const alice = await a.connect('alice:d1');
    const bob = await b.connect('bob:d1');
    await subscribe(alice);
    await subscribe(bob);
    alice.send({ type: 'ephemeral', conv: 'room', envelope: bytes('alice is typing') });
    const typing = await bob.next('ephemeral');
    expect([typing.conv, text(typing.envelope)]).toEqual(['room', 'alice is typing']);
    await sleep(100);
    await alice.settle();
    expect(alice.all('ephemeral')).toEqual([]);
    expect(await log.head('room')).toBe(0);
    expect(await log.readAfter('room', 0, 10)).toEqual([]);
  });

  it('loses nothing between catch-up and live while a publisher keeps pushing (seeds 1..4)', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const random = rng(seed);
      const conv = `race-${seed}`;
      const { a, b, log } = cluster({ members: { [conv]: ['alice', 'bob'] } });
      const writer = await a.connect('alice:d1', 'writer@A');
      const total = 150;
      const pushing = (async () => {
        for (let i = 1; i <= total; i++) {
          push(writer, i, `m?`, conv);
          if (random() < 0.5) await sleep(random() < 0.8 ? 0 : 3);
        }
      })();
      const readers: Array<{ peer: Peer; kept: boolean }> = [];
      for (let round = 0; round < 8; round++) {
        await sleep(Math.floor(random() * 12));
        const t = random() < 0.5 ? a : b;
        const peer = await t.connect(`bob:d${1 + (round % 3)}`, `seed ${seed} reader ${round}@${t === a ? 'A' : 'B'}`);
        await subscribe(peer, conv);
        // some readers leave soon, so their relay drops the conversation and the next one subscribes on Redis afresh
        const kept = random() < 0.5;
        if (!kept) {
          await sleep(Math.floor(random() * 10));
          peer.transport.close();
        }
        readers.push({ peer, kept });
      }
      await pushing;
      for (let i = 1; i <= total; i++) await writer.next('ack', (x) => x.counter === i);
      expect(await log.head(conv)).toBe(total);
      for (const { peer, kept } of readers) {
        const got = () => peer.all('update').filter((u) => u.conv === conv).map((u) => u.seq);
        if (kept) await until(() => got().length >= total, `${peer.name}: all ${total}`);
        else await sleep(0);
        expect(got(), `${peer.name}: a gapless, duplicate-free prefix of the log`).toEqual(oneTo(kept ? total : got().length));
      }
      await sleep(1200);
      for (const { peer, kept } of readers) {
        if (kept) expect(peer.all('update').filter((u) => u.conv === conv).length, `${peer.name}: no late duplicate`).toBe(total);
      }
      for (const step of cleanup.reverse()) await step();
      cleanup = [];
    }
  });
});
