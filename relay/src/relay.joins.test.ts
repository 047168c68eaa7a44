// Hints at the relay: a user given a conversation elsewhere in the cluster gets a `joined` frame on
// every open socket of theirs here, and nobody else does; a conversation changed elsewhere sends
// `changed` to every socket here that follows it; through Redis from another process too.
import { ErrorCode, PROTOCOL_VERSION } from '@mekong/schema';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Joined, RevocationBus } from './ports';
import { createMemoryRevocations, createRedisRevocations } from './revocation';
import type { Peer } from './test-support/peer';
import { closeAfterEach, describeWithRedis, probeRedis, testPrefix } from './test-support/redis';
import { testRelay } from './test-support/setup';
import { until } from './test-support/wait';

const probe = await probeRedis();
const silent = pino({ level: 'silent' });

/** Everything each peer received after its welcome, by frame type. */
const received = (peers: Peer[]) => peers.map((p) => p.frames.filter((f) => f.type !== 'welcome' && f.type !== 'pong').map((f) => f.type));

describe('relay: join hints', () => {
  it('sends joined to every open socket of the named user, and to nobody else', async () => {
    const revocations = createMemoryRevocations();
    const { connect, open, relay } = testRelay({ revocations });
    const phone = await connect('alice:d1');
    const laptop = await connect('alice:d2');
    const bob = await connect('bob:d1');
    const unauthenticated = open('not yet authenticated');

    await revocations.publish({ kind: 'joined', conversationId: 'g_new', userId: 'alice' });
    for (const peer of [phone, laptop]) expect(await peer.next('joined')).toEqual({ type: 'joined', conv: 'g_new' });
    await bob.settle();
    expect(received([bob])).toEqual([[]]);
    expect(unauthenticated.frames).toEqual([]);
    await relay.stop();
  });

  it('sends changed to every socket following the conversation, whoever it belongs to, and to no other', async () => {
    const revocations = createMemoryRevocations();
    const { connect, open, relay } = testRelay({ revocations });
    const follow = async (peer: Peer, conv = 'room') => {
      peer.send({ type: 'subscribe', conv, after: 0 });
      await peer.next('synced', (s) => s.conv === conv);
    };
    const alicePhone = await connect('alice:d1');
    const bob = await connect('bob:d1');
    const aliceLaptop = await connect('alice:d2'); // a member's socket that does not follow the room
    const old = open('protocol 2 client');
    await old.auth('bob:d2', 2);
    await follow(alicePhone);
    await follow(bob);
    await follow(old);

    await revocations.publish({ kind: 'changed', conversationId: 'room' });
    for (const peer of [alicePhone, bob]) expect(await peer.next('changed')).toEqual({ type: 'changed', conv: 'room' });
    await revocations.publish({ kind: 'changed', conversationId: 'elsewhere' });
    for (const peer of [alicePhone, bob, aliceLaptop, old]) await peer.settle();
    expect(received([alicePhone, bob, aliceLaptop, old])).toEqual([['synced', 'changed'], ['synced', 'changed'], [], ['synced']]);

    // a socket that stopped following gets no more
    bob.send({ type: 'unsubscribe', conv: 'room' });
    await bob.settle();
    await revocations.publish({ kind: 'changed', conversationId: 'room' });
    await until(() => alicePhone.all('changed').length === 2, 'the second changed frame');
    await bob.settle();
    expect(bob.all('changed')).toHaveLength(1);
    await relay.stop();
  });

  it('sends nothing to a client that authenticated with protocol 1, which would not understand the frame', async () => {
    const revocations = createMemoryRevocations();
    const { open, relay } = testRelay({ revocations });
    const old = open('protocol 1 client');
    await old.auth('alice:d1', 1);
    const current = open('current client');
    await current.auth('alice:d2', PROTOCOL_VERSION);

    await revocations.publish({ kind: 'joined', conversationId: 'g_new', userId: 'alice' });
    await current.next('joined');
    await old.settle();
    expect(received([old])).toEqual([[]]);
    await relay.stop();
  });

  it('forgets a closed socket, and sends to the user’s sockets opened later', async () => {
    const revocations = createMemoryRevocations();
    const { connect, relay } = testRelay({ revocations });
    const first = await connect('alice:d1');
    first.transport.close();
    await until(() => relay.stats().connections === 0, 'the closed socket to be forgotten');
    const second = await connect('alice:d1', 'alice again');
    await revocations.publish({ kind: 'joined', conversationId: 'g1', userId: 'alice' });
    expect(await second.next('joined')).toEqual({ type: 'joined', conv: 'g1' });
    expect(received([first])).toEqual([[]]);
    await relay.stop();
  });

  it('keeps sending to a user\u2019s remaining sockets as others of theirs close, in any order', async () => {
    const revocations = createMemoryRevocations();
    const { connect, relay } = testRelay({ revocations });
    const [a, b, c] = [await connect('alice:d1', 'a'), await connect('alice:d2', 'b'), await connect('alice:d3', 'c')];
    b.transport.close();
    await until(() => relay.stats().connections === 2, 'b to be forgotten');
    await revocations.publish({ kind: 'joined', conversationId: 'g1', userId: 'alice' });
    for (const peer of [a, c]) expect(await peer.next('joined')).toEqual({ type: 'joined', conv: 'g1' });
    a.transport.close();
    await until(() => relay.stats().connections === 1, 'a to be forgotten');
    await revocations.publish({ kind: 'joined', conversationId: 'g2', userId: 'alice' });
    expect(await c.next('joined')).toEqual({ type: 'joined', conv: 'g2' });
    // b closed before any hint, a after the first: neither got more
    expect(received([b, a])).toEqual([[], ['joined']]);
    await relay.stop();
  });

  it('stops forwarding once the relay stops', async () => {
    const revocations = createMemoryRevocations();
    const { relay } = testRelay({ revocations });
    const seen: string[] = [];
    revocations.subscribeHints((e) => seen.push(e.kind === 'joined' ? e.userId : e.conversationId));
    await relay.stop();
    // the relay's own handler is gone: only the test's remains
    await revocations.publish({ kind: 'joined', conversationId: 'g1', userId: 'alice' });
    expect(seen).toEqual(['alice']);
  });
});

describeWithRedis('relay: join hints through Redis', probe, () => {
  const channel = `${testPrefix('joins')}revocation`;
  const scope = closeAfterEach();
  const redisBus = (logger = silent) => scope.keep(createRedisRevocations({ url: probe.url, channel, logger }));

  /** A relay listening on its own Redis bus instance, and a count of the token checks it makes. */
  async function relayOn(bus: RevocationBus) {
    const test = testRelay({ revocations: bus });
    await bus.subscribeHints(() => {}).ready; // shares the relay's subscription: the relay listens once this resolves
    const verify = test.tokens.verify.bind(test.tokens);
    const checks = { n: 0 };
    test.tokens.verify = async (token) => {
      checks.n++;
      return verify(token);
    };
    return { ...test, checks };
  }

  it('delivers a hint published by another process (another bus instance) to the user on this relay', async () => {
    const { connect, relay, checks } = await relayOn(redisBus());
    const alice = await connect('alice:d1');
    const bob = await connect('bob:d1');
    const before = checks.n;

    const api = redisBus(); // the API process: publishes only
    await api.publish({ kind: 'joined', conversationId: 'g_across', userId: 'bob' });
    expect(await bob.next('joined')).toEqual({ type: 'joined', conv: 'g_across' });
    await alice.settle();
    expect(received([alice])).toEqual([[]]);
    expect(checks.n).toBe(before); // a hint is no revocation: no socket was re-checked
    await relay.stop();
  });

  it('drops a malformed hint from the bus with a warning; no socket gets a frame, none is closed or re-checked', async () => {
    const lines: Array<{ msg?: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const { connect, relay, checks } = await relayOn(redisBus(logger));
    const alice = await connect('alice:d1');
    const before = checks.n;

    const api = redisBus();
    await expect(api.publish({ kind: 'joined', userId: 'alice' } as unknown as Joined)).rejects.toMatchObject({ code: ErrorCode.BAD_REQUEST }); // refused at publish
    // bytes that bypass the codec, as a buggy or foreign publisher would send them
    const raw = scope.raw(probe.url);
    await raw.publish(`${channel}:joined`, '{"v":1,"kind":"joined","userId":"alice"}');
    await raw.publish(`${channel}:joined`, '{"v":1,"kind":"joined","conversationId":"","userId":"alice"}');
    await api.publish({ kind: 'joined', conversationId: 'g_marker', userId: 'alice' }); // what was dropped came before it
    expect(await alice.next('joined')).toEqual({ type: 'joined', conv: 'g_marker' });
    expect(alice.all('joined')).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'dropped an unreadable hint')).toHaveLength(2);
    expect(alice.closeInfo).toBeUndefined();
    expect(checks.n).toBe(before);
    await relay.stop();
  });
});
