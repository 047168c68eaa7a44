import { ErrorCode } from '@mekong/schema';
import { describe, expect, it } from 'vitest';
import { createMemoryBus } from './bus';
import { createMemoryLogStore, openSqliteLogStore } from './log';
import type { FanoutBus } from './ports';
import { heldLog } from './test-support/held-log';
import type { Peer } from './test-support/peer';
import { bytes, testRelay, text } from './test-support/setup';

const push = (peer: Peer, counter: number, body: string, conv = 'room') =>
  peer.send({ type: 'push', conv, counter, envelope: bytes(body) });
const subscribe = async (peer: Peer, after = 0, conv = 'room') => {
  peer.send({ type: 'subscribe', conv, after });
  return peer.next('synced', (s) => s.conv === conv);
};
/** Frame trace of one conversation, e.g. ["snapshot 6", "update 7 m6", "synced 10"]. */
const trace = (peer: Peer) =>
  peer.frames.flatMap((f) => {
    if (f.type === 'update') return [`update ${f.seq} ${text(f.envelope)}`];
    if (f.type === 'snapshot') return [`snapshot ${f.seq} ${text(f.envelope)}`];
    if (f.type === 'synced') return [`synced ${f.head}`];
    return [];
  });
const tick = () => new Promise((r) => setImmediate(r));

describe('relay: push and fan-out', () => {
  it('acks the sender and fans out to every other subscribed connection, not back to the sender', async () => {
    const { connect, log } = testRelay();
    const alice = await connect('alice:d1');
    const alicePhone = await connect('alice:d2');
    const bob = await connect('bob:d1');
    for (const p of [alice, alicePhone, bob]) await subscribe(p);
    push(alice, 1, 'hello');
    expect(await alice.next('ack')).toEqual({ type: 'ack', conv: 'room', counter: 1, seq: 1 });
    const update = await bob.next('update');
    expect([update.conv, update.seq, text(update.envelope)]).toEqual(['room', 1, 'hello']);
    expect(text((await alicePhone.next('update')).envelope)).toBe('hello');
    await alice.settle();
    expect(alice.all('update')).toEqual([]);
    expect(await log.head('room')).toBe(1);
  });

  it('does not deliver to connections that did not subscribe or unsubscribed', async () => {
    const { connect, relay } = testRelay();
    const alice = await connect('alice:d1');
    const bob = await connect('bob:d1');
    const bobPhone = await connect('bob:d2');
    await subscribe(bob);
    expect(relay.stats()).toEqual({ connections: 3, subscriptions: 1 });
    bob.send({ type: 'unsubscribe', conv: 'room' });
    await bob.settle();
    expect(relay.stats().subscriptions).toBe(0);
    push(alice, 1, 'x');
    await alice.next('ack');
    await bob.settle();
    expect(bob.all('update')).toEqual([]);
    expect(bobPhone.all('update')).toEqual([]);
  });

  it('acks only after the append committed, and not at all when it fails', async () => {
    const log = heldLog(createMemoryLogStore());
    const { connect } = testRelay({ log });
    const alice = await connect('alice:d1');
    const bob = await connect('bob:d1');
    await subscribe(bob);

    log.appends.hold();
    push(alice, 1, 'slow');
    for (let i = 0; i < 10; i++) await tick();
    expect(log.appends.waiting).toBe(1);
    expect(alice.all('ack')).toEqual([]);
    expect(bob.all('update')).toEqual([]);
    log.appends.release();
    expect((await alice.next('ack')).seq).toBe(1);
    expect(await log.head('room')).toBe(1);
    expect((await bob.next('update')).seq).toBe(1);

    log.appends.failWith(new Error('disk full'));
    push(alice, 2, 'lost');
    const error = await alice.next('error');
    expect([error.code, error.conv, error.counter]).toEqual([ErrorCode.UNAVAILABLE, 'room', 2]);
    await alice.settle();
    await bob.settle();
    expect(alice.all('ack')).toHaveLength(1);
    expect(bob.all('update')).toHaveLength(1);

    log.appends.failWith(undefined);
    push(alice, 2, 'resent');
    expect((await alice.next('ack')).seq).toBe(2); // no hole was left by the failure
  });

  it('answers a resend with the original seq and does not fan it out again', async () => {
    const { connect, log } = testRelay();
    const alice = await connect('alice:d1');
    const bob = await connect('bob:d1');
    await subscribe(bob);
    push(alice, 5, 'once');
    push(alice, 6, 'twice');
    push(alice, 5, 'once (resent)');
    const acks = [await alice.next('ack'), await alice.next('ack'), await alice.next('ack')];
    expect(acks.map((a) => [a.counter, a.seq])).toEqual([[5, 1], [6, 2], [5, 1]]);
    await alice.settle();
    await bob.settle();
    expect(trace(bob)).toEqual(['synced 0', 'update 1 once', 'update 2 twice']);
    expect(await log.head('room')).toBe(2);
  });

  it('deduplicates per device: the same counter from another device is a new update', async () => {
    const { connect } = testRelay();
    const laptop = await connect('alice:d1');
    const phone = await connect('alice:d2');
    push(laptop, 1, 'a');
    expect((await laptop.next('ack')).seq).toBe(1);
    push(phone, 1, 'b');
    expect((await phone.next('ack')).seq).toBe(2);
  });

  it('rejects an empty envelope with MALFORMED_FRAME and stores nothing', async () => {
    const { connect, log } = testRelay();
    const alice = await connect('alice:d1');
    alice.send({ type: 'push', conv: 'room', counter: 1, envelope: new Uint8Array() });
    const error = await alice.next('error');
    expect([error.code, error.conv, error.counter]).toEqual([ErrorCode.MALFORMED_FRAME, 'room', 1]);
    expect(await log.head('room')).toBe(0);
  });

  it('relays ephemeral messages to other subscribers without storing them', async () => {
    const { connect, log } = testRelay();
    const alice = await connect('alice:d1');
    const bob = await connect('bob:d1');
    await subscribe(alice);
    await subscribe(bob);
    alice.send({ type: 'ephemeral', conv: 'room', envelope: bytes('typing') });
    const got = await bob.next('ephemeral');
    expect([got.conv, text(got.envelope)]).toEqual(['room', 'typing']);
    await alice.settle();
    expect(alice.all('ephemeral')).toEqual([]);
    expect(await log.head('room')).toBe(0);
  });

  it('answers ping with pong', async () => {
    const { connect } = testRelay();
    const alice = await connect('alice:d1');
    alice.send({ type: 'ping', id: 42 });
    expect(await alice.next('pong')).toEqual({ type: 'pong', id: 42 });
  });
});

describe('relay: membership', () => {
  it('rejects push, subscribe, snapshot and ephemeral from a non-member and appends nothing', async () => {
    const { connect, log } = testRelay();
    const bob = await connect('bob:d1');
    await subscribe(bob);
    const carol = await connect('carol:d1');
    push(carol, 1, 'intruder');
    carol.send({ type: 'subscribe', conv: 'room', after: 0 });
    carol.send({ type: 'put-snapshot', conv: 'room', seq: 1, envelope: bytes('s') });
    carol.send({ type: 'ephemeral', conv: 'room', envelope: bytes('hi') });
    await carol.settle();
    const errors = carol.all('error');
    expect(errors.map((e) => [e.code, e.conv])).toEqual(Array(4).fill([ErrorCode.NOT_MEMBER, 'room']));
    expect(errors[0]?.counter).toBe(1);
    expect(carol.frames.map((f) => f.type)).toEqual(['welcome', 'error', 'error', 'error', 'error', 'pong']);
    expect(await log.head('room')).toBe(0);
    expect(await log.latestSnapshot('room')).toBeUndefined();
    await bob.settle();
    expect(bob.frames.map((f) => f.type)).toEqual(['welcome', 'synced', 'pong']);
  });

  it('reuses a positive answer for a while, then asks again and drops a revoked subscription', async () => {
    const { connect, directory, clock } = testRelay({ limits: { membershipTtlMs: 1000 } });
    const alice = await connect('alice:d1');
    const bob = await connect('bob:d1');
    await subscribe(bob);
    const asked = directory.calls;
    push(bob, 1, 'a');
    push(bob, 2, 'b');
    await bob.next('ack');
    await bob.next('ack');
    expect(directory.calls).toBe(asked); // subscribe already confirmed it
    directory.members.get('room')?.delete('bob');
    clock.t += 1000;
    push(bob, 3, 'c');
    expect((await bob.next('error')).code).toBe(ErrorCode.NOT_MEMBER);
    expect(bob.all('unsubscribed')).toEqual([{ type: 'unsubscribed', conv: 'room', code: ErrorCode.NOT_MEMBER }]);
    push(alice, 1, 'after removal');
    await alice.next('ack');
    await bob.settle();
    expect(bob.all('update')).toEqual([]);
  });

  it('answers INTERNAL when the directory breaks, and keeps the connection', async () => {
    const { connect, directory } = testRelay();
    const alice = await connect('alice:d1');
    directory.isMember = () => Promise.reject(new Error('directory down'));
    push(alice, 1, 'x');
    const error = await alice.next('error');
    expect([error.code, error.conv, error.counter]).toEqual([ErrorCode.INTERNAL, 'room', 1]);
    await alice.settle();
    expect(alice.closeInfo).toBeUndefined();
  });
});

describe('relay: catch-up', () => {
  async function seeded(count: number, options: Parameters<typeof testRelay>[0] = {}) {
    const t = testRelay(options);
    const alice = await t.connect('alice:d1');
    for (let i = 0; i < count; i++) push(alice, i, `m${i + 1}`);
    await alice.settle();
    return { ...t, alice };
  }

  it('sends the whole log then synced when there is no snapshot', async () => {
    const { connect } = await seeded(3);
    const bob = await connect('bob:d1');
    expect(await subscribe(bob)).toEqual({ type: 'synced', conv: 'room', head: 3 });
    expect(trace(bob)).toEqual(['update 1 m1', 'update 2 m2', 'update 3 m3', 'synced 3']);
  });

  it('sends the latest snapshot first, then the tail after it', async () => {
    const { connect, alice } = await seeded(10);
    alice.send({ type: 'put-snapshot', conv: 'room', seq: 6, envelope: bytes('state@6') });
    await alice.settle();
    const bob = await connect('bob:d1');
    await subscribe(bob, 2);
    expect(trace(bob)).toEqual(['snapshot 6 state@6', 'update 7 m7', 'update 8 m8', 'update 9 m9', 'update 10 m10', 'synced 10']);
    const carolless = await connect('bob:d2');
    await subscribe(carolless, 8); // ahead of the snapshot: tail only
    expect(trace(carolless)).toEqual(['update 9 m9', 'update 10 m10', 'synced 10']);
  });

  it('reports the real head to a client that claims to be ahead of the log', async () => {
    const { connect } = await seeded(2);
    const bob = await connect('bob:d1');
    expect(await subscribe(bob, 9)).toEqual({ type: 'synced', conv: 'room', head: 2 });
    expect(bob.all('update')).toEqual([]);
  });

  it('pages through a long log in order', async () => {
    const { connect } = await seeded(23, { limits: { catchUpPageSize: 5 } });
    const bob = await connect('bob:d1');
    await subscribe(bob);
    expect(bob.all('update').map((u) => u.seq)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
  });

  it('waits for the socket to drain between pages', async () => {
    const { connect } = await seeded(12, { limits: { catchUpPageSize: 5, drainHighWaterBytes: 1000 } });
    const bob = await connect('bob:d1');
    const socket = bob.transport as unknown as { bufferedAmount: number };
    socket.bufferedAmount = 5000;
    bob.send({ type: 'subscribe', conv: 'room', after: 0 });
    await new Promise((r) => setTimeout(r, 50));
    expect(bob.all('update').map((u) => u.seq)).toEqual([1, 2, 3, 4, 5]);
    socket.bufferedAmount = 0;
    await bob.next('synced');
    expect(bob.all('update')).toHaveLength(12);
  });

  it('loses nothing that is pushed while the log is being read', async () => {
    const log = heldLog(createMemoryLogStore());
    const { connect } = await seeded(3, { log });
    const bob = await connect('bob:d1');
    const alice = await connect('alice:d2');
    log.reads.hold();
    bob.send({ type: 'subscribe', conv: 'room', after: 0 });
    while (log.reads.waiting === 0) await tick();
    push(alice, 1, 'm4');
    push(alice, 2, 'm5');
    await alice.next('ack');
    await alice.next('ack');
    log.reads.release();
    await bob.next('synced');
    expect(trace(bob)).toEqual(['update 1 m1', 'update 2 m2', 'update 3 m3', 'update 4 m4', 'update 5 m5', 'synced 5']);
    push(alice, 3, 'm6');
    expect((await bob.next('update', (u) => u.seq === 6)).seq).toBe(6);
  });

  it('reads the log again when live updates overflow the catch-up buffer', async () => {
    const log = heldLog(createMemoryLogStore());
    const { connect } = await seeded(1, { log, limits: { catchUpPageSize: 2 } });
    const bob = await connect('bob:d1');
    const alice = await connect('alice:d2');
    log.reads.hold();
    bob.send({ type: 'subscribe', conv: 'room', after: 0 });
    while (log.reads.waiting === 0) await tick();
    for (let i = 2; i <= 5; i++) push(alice, i, `m${i}`); // 4 live updates, buffer holds 2
    await alice.settle();
    log.reads.release();
    await bob.next('synced');
    expect(trace(bob)).toEqual(['update 1 m1', 'update 2 m2', 'update 3 m3', 'update 4 m4', 'update 5 m5', 'synced 5']);
  });

  it('fills a gap the bus left before the next update, and again when the client subscribes from its last seq', async () => {
    const inner = createMemoryBus();
    let drop = false;
    const lossy: FanoutBus = { ...inner, publish: (conv, msg) => (drop ? Promise.resolve() : inner.publish(conv, msg)) };
    const { connect } = testRelay({ bus: lossy });
    const alice = await connect('alice:d1');
    const bob = await connect('bob:d1');
    await subscribe(bob);
    push(alice, 1, 'm1');
    await bob.next('update');
    drop = true;
    push(alice, 2, 'm2'); // the bus loses this one
    await alice.next('ack');
    await alice.next('ack');
    drop = false;
    push(alice, 3, 'm3');
    const seen = await bob.next('update', (u) => u.seq === 3);
    expect(seen.seq).toBe(3); // the relay noticed 2 was missing and read it from the log first
    expect(trace(bob)).toEqual(['synced 0', 'update 1 m1', 'update 2 m2', 'update 3 m3']);
    bob.send({ type: 'subscribe', conv: 'room', after: 1 });
    await bob.next('synced', (s) => s.head === 3);
    expect(trace(bob)).toEqual(['synced 0', 'update 1 m1', 'update 2 m2', 'update 3 m3', 'update 2 m2', 'update 3 m3', 'synced 3']);
  });

  it('drops the subscription and reports the error when the log cannot be read', async () => {
    const log = heldLog(createMemoryLogStore());
    const { connect, relay } = testRelay({ log });
    const bob = await connect('bob:d1');
    log.reads.failWith(new Error('io error'));
    bob.send({ type: 'subscribe', conv: 'room', after: 0 });
    const error = await bob.next('error');
    expect([error.code, error.conv]).toEqual([ErrorCode.INTERNAL, 'room']);
    expect(relay.stats().subscriptions).toBe(0);
    log.reads.failWith(undefined);
    await subscribe(bob);
    expect(relay.stats().subscriptions).toBe(1);
  });

  it('limits subscriptions per connection', async () => {
    const { connect } = testRelay({ limits: { maxSubscriptionsPerConnection: 1 }, members: { a: ['bob'], b: ['bob'] } });
    const bob = await connect('bob:d1');
    await subscribe(bob, 0, 'a');
    await subscribe(bob, 0, 'a'); // re-subscribing the same conversation is fine
    bob.send({ type: 'subscribe', conv: 'b', after: 0 });
    const error = await bob.next('error');
    expect([error.code, error.conv]).toEqual([ErrorCode.BAD_REQUEST, 'b']);
  });
});

describe('relay: snapshots', () => {
  it('stores a snapshot within the log and rejects one beyond its head', async () => {
    const { connect, log } = testRelay();
    const alice = await connect('alice:d1');
    push(alice, 1, 'm1');
    push(alice, 2, 'm2');
    await alice.settle();
    alice.send({ type: 'put-snapshot', conv: 'room', seq: 3, envelope: bytes('future') });
    alice.send({ type: 'put-snapshot', conv: 'room', seq: 0, envelope: bytes('nothing') });
    await alice.settle();
    expect(alice.all('error').map((e) => [e.code, e.conv])).toEqual([
      [ErrorCode.BAD_REQUEST, 'room'],
      [ErrorCode.BAD_REQUEST, 'room'],
    ]);
    expect(await log.latestSnapshot('room')).toBeUndefined();
    alice.send({ type: 'put-snapshot', conv: 'room', seq: 2, envelope: bytes('state@2') });
    alice.send({ type: 'put-snapshot', conv: 'room', seq: 1, envelope: bytes('stale') }); // older: ignored
    await alice.settle();
    const snap = await log.latestSnapshot('room');
    expect(snap && [snap.seq, text(snap.envelope)]).toEqual([2, 'state@2']);
    expect(alice.all('error')).toHaveLength(2);
  });
});

describe('relay: on the SQLite log', () => {
  it('orders, deduplicates and serves catch-up from a durable store', async () => {
    const log = await openSqliteLogStore(':memory:');
    const { connect } = testRelay({ log });
    const alice = await connect('alice:d1');
    const bob = await connect('bob:d1');
    await subscribe(bob);
    for (let i = 1; i <= 4; i++) push(alice, i, `m${i}`);
    push(alice, 2, 'm2 (resent)');
    const acks = [];
    for (let i = 0; i < 5; i++) acks.push((await alice.next('ack')).seq);
    expect(acks).toEqual([1, 2, 3, 4, 2]);
    alice.send({ type: 'put-snapshot', conv: 'room', seq: 3, envelope: bytes('state@3') });
    await alice.settle();
    await bob.settle();
    expect(bob.all('update').map((u) => u.seq)).toEqual([1, 2, 3, 4]);
    const late = await connect('bob:d2');
    await subscribe(late, 1);
    expect(trace(late)).toEqual(['snapshot 3 state@3', 'update 4 m4', 'synced 4']);
    await log.close();
  });
});

describe('relay: lifecycle', () => {
  it('stop() closes every socket with 1012 SERVICE_RESTART and refuses new ones', async () => {
    const { connect, open, relay } = testRelay();
    const alice = await connect('alice:d1');
    const pending = open('pending');
    await relay.stop();
    expect((await alice.closed()).code).toBe(1012);
    expect((await pending.closed()).code).toBe(1012);
    const late = open('late');
    expect((await late.closed()).code).toBe(1012);
    expect(relay.stats()).toEqual({ connections: 0, subscriptions: 0 });
  });
});
