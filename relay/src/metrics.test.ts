import { encodeUp, ErrorCode, type Up } from '@mekong/schema';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMemoryBus } from './bus';
import { createMemoryLogStore } from './log';
import { RelayMetrics } from './metrics';
import type { FanoutBus } from './ports';
import { createRelay } from './relay';
import { Peer } from './test-support/peer';
import { connectInMemory, createFakeDirectory, createFakeTokens } from './testing';

/** The value of one sample in Prometheus text output, matched by name and exact label set; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(labels).sort())) return Number(m[3]);
  }
  return undefined;
}

/** A relay with metrics on its own registry, a fake clock, and peers whose bytes are counted. */
function meteredRelay(options: { bus?: FanoutBus } = {}) {
  const clock = { t: 5_000_000 };
  const registry = new Registry();
  const metrics = new RelayMetrics(registry);
  const tokens = createFakeTokens(() => clock.t);
  for (const user of ['alice', 'bob']) {
    for (const device of ['d1', 'd2']) tokens.tokens.set(`${user}:${device}`, { userId: user, deviceId: device, expiresAt: clock.t + 3_600_000 });
  }
  const relay = createRelay({
    log: createMemoryLogStore(),
    directory: createFakeDirectory({ room: ['alice', 'bob'] }),
    tokens,
    metrics,
    logger: pino({ level: 'silent' }),
    now: () => clock.t,
    ...(options.bus ? { bus: options.bus } : {}),
  });
  const wire = { up: 0, down: 0 };
  const open = (name: string) => {
    const client = connectInMemory(relay);
    client.onMessage((bytes) => {
      wire.down += bytes.byteLength;
    });
    const counted = {
      send(bytes: Uint8Array) {
        wire.up += bytes.byteLength;
        client.send(bytes);
      },
      onMessage: client.onMessage,
      onClose: client.onClose,
      close: client.close,
    };
    return new Peer(counted, name);
  };
  const connect = async (token: string) => {
    const peer = open(token);
    await peer.auth(token);
    return peer;
  };
  return { relay, registry, metrics, clock, wire, open, connect };
}

const push = (counter: number, conv = 'room'): Up => ({ type: 'push', conv, counter, envelope: new TextEncoder().encode(`m${counter}`) });

describe('relay metrics', () => {
  it('count connections, frames by type, bytes, appends, fan-out, catch-ups, errors and auth failures', async () => {
    const { registry, wire, open, connect } = meteredRelay();
    const alice = await connect('alice:d1');
    const bob = await connect('bob:d1');
    for (const p of [alice, bob]) {
      p.send({ type: 'subscribe', conv: 'room', after: 0 });
      await p.next('synced');
    }
    for (let c = 1; c <= 3; c++) {
      alice.send(push(c));
      await alice.next('ack', (a) => a.counter === c);
    }
    alice.send(push(4, 'elsewhere')); // alice is no member there
    expect((await alice.next('error')).code).toBe(ErrorCode.NOT_MEMBER);
    const intruder = open('intruder');
    intruder.send({ type: 'auth', protocol: 1, token: 'forged' });
    await intruder.closed();
    await bob.settle();
    await alice.settle();
    expect(bob.all('update').map((u) => u.seq)).toEqual([1, 2, 3]);

    const text = await registry.metrics();
    expect(sample(text, 'mekong_relay_connections')).toBe(2);
    expect(sample(text, 'mekong_relay_subscriptions')).toBe(2);
    expect(sample(text, 'mekong_relay_frames_received_total', { type: 'auth' })).toBe(3);
    expect(sample(text, 'mekong_relay_frames_received_total', { type: 'subscribe' })).toBe(2);
    expect(sample(text, 'mekong_relay_frames_received_total', { type: 'push' })).toBe(4);
    expect(sample(text, 'mekong_relay_frames_received_total', { type: 'ping' })).toBe(2);
    expect(sample(text, 'mekong_relay_frames_sent_total', { type: 'welcome' })).toBe(2);
    expect(sample(text, 'mekong_relay_frames_sent_total', { type: 'synced' })).toBe(2);
    expect(sample(text, 'mekong_relay_frames_sent_total', { type: 'ack' })).toBe(3);
    expect(sample(text, 'mekong_relay_frames_sent_total', { type: 'update' })).toBe(3);
    expect(sample(text, 'mekong_relay_frames_sent_total', { type: 'error' })).toBe(2);
    expect(sample(text, 'mekong_relay_received_bytes_total')).toBe(wire.up);
    expect(sample(text, 'mekong_relay_sent_bytes_total')).toBe(wire.down);
    expect(sample(text, 'mekong_relay_append_duration_seconds_count')).toBe(3);
    expect(sample(text, 'mekong_relay_fanout_lag_seconds_count')).toBe(3);
    expect(sample(text, 'mekong_relay_catch_up_duration_seconds_count')).toBe(2);
    expect(sample(text, 'mekong_relay_errors_sent_total', { code: 'NOT_MEMBER' })).toBe(1);
    expect(sample(text, 'mekong_relay_errors_sent_total', { code: 'UNAUTHENTICATED' })).toBe(1);
    expect(sample(text, 'mekong_relay_auth_failures_total', { code: 'UNAUTHENTICATED' })).toBe(1);
    // labels are frame types and error codes only: no conversation, user or device shows up
    expect(text).not.toMatch(/room|alice|bob|elsewhere/);
  });

  it('keeps counting frames and bytes across scrapes', async () => {
    const { registry, connect, wire } = meteredRelay();
    const alice = await connect('alice:d1');
    alice.send({ type: 'ping', id: 1 });
    await alice.next('pong');
    const first = await registry.metrics();
    expect(sample(first, 'mekong_relay_frames_received_total', { type: 'ping' })).toBe(1);
    alice.send({ type: 'ping', id: 2 });
    alice.send({ type: 'ping', id: 3 });
    await alice.next('pong');
    await alice.next('pong');
    const second = await registry.metrics();
    expect(sample(second, 'mekong_relay_frames_received_total', { type: 'ping' })).toBe(3);
    expect(sample(second, 'mekong_relay_frames_sent_total', { type: 'pong' })).toBe(3);
    expect(sample(second, 'mekong_relay_received_bytes_total')).toBe(wire.up);
    expect(sample(second, 'mekong_relay_sent_bytes_total')).toBe(wire.down);
    // a scrape with nothing new changes nothing
    expect(sample(await registry.metrics(), 'mekong_relay_frames_sent_total', { type: 'pong' })).toBe(3);
  });

  it('counts frames refused before decoding as undecoded, bytes included', async () => {
    const { registry, connect } = meteredRelay();
    const alice = await connect('alice:d1');
    const junk = new Uint8Array([0xff, 0xfe, 0xfd]);
    alice.sendRaw(junk);
    await alice.next('error');
    const text = await registry.metrics();
    expect(sample(text, 'mekong_relay_frames_received_total', { type: 'undecoded' })).toBe(1);
    expect(sample(text, 'mekong_relay_errors_sent_total', { code: 'MALFORMED_FRAME' })).toBe(1);
    const auth = encodeUp({ type: 'auth', protocol: 1, token: 'alice:d1' }).byteLength;
    expect(sample(text, 'mekong_relay_received_bytes_total')).toBe(auth + junk.byteLength);
  });

  it('measures fan-out lag from the append on the publishing side to the hand-off to a socket', async () => {
    // a bus that takes 40 ms of the relay's clock to carry each message
    const inner = createMemoryBus();
    let clockRef: { t: number } | undefined;
    const slowBus: FanoutBus = {
      ...inner,
      publish: async (conv, msg) => {
        if (clockRef) clockRef.t += 40;
        await inner.publish(conv, msg);
      },
    };
    const { registry, clock, connect } = meteredRelay({ bus: slowBus });
    clockRef = clock;
    const alice = await connect('alice:d1');
    const bob = await connect('bob:d1');
    const bobPhone = await connect('bob:d2');
    for (const p of [bob, bobPhone]) {
      p.send({ type: 'subscribe', conv: 'room', after: 0 });
      await p.next('synced');
    }
    for (let c = 1; c <= 3; c++) alice.send(push(c));
    await bob.next('update', (u) => u.seq === 3);
    await bobPhone.next('update', (u) => u.seq === 3);
    const text = await registry.metrics();
    // once per update on this relay, however many local sockets it goes to
    expect(sample(text, 'mekong_relay_fanout_lag_seconds_count')).toBe(3);
    expect(sample(text, 'mekong_relay_fanout_lag_seconds_sum')).toBeCloseTo(0.12, 9);
    expect(sample(text, 'mekong_relay_fanout_lag_seconds_bucket', { le: '0.025' })).toBe(0);
    expect(sample(text, 'mekong_relay_fanout_lag_seconds_bucket', { le: '0.05' })).toBe(3);
  });

  it('lives on the registry it is given, so two relays in one process keep separate figures', async () => {
    const one = meteredRelay();
    const two = meteredRelay();
    await one.connect('alice:d1');
    expect(sample(await one.registry.metrics(), 'mekong_relay_connections')).toBe(1);
    expect(sample(await two.registry.metrics(), 'mekong_relay_connections')).toBe(0);
    expect(() => createRelay({ log: createMemoryLogStore(), directory: createFakeDirectory(), tokens: createFakeTokens(), metrics: one.metrics })).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_REQUEST }),
    );
  });
});
