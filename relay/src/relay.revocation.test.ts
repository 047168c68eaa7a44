// Revocations at the relay: a signed-out device and a banned user lose their sockets at once, a removed
// member loses the subscription at once, and what the revocation feed may have missed is re-checked.
import { CloseCode, ErrorCode, MekongError, PROTOCOL_VERSION } from '@mekong/schema';
import { describe, expect, it } from 'vitest';
import type { Revocation, RevocationBus } from './ports';
import { createMemoryRevocations } from './revocation';
import type { Peer } from './test-support/peer';
import { bytes, testRelay, text } from './test-support/setup';

const push = (peer: Peer, counter: number, body: string, conv = 'room') => peer.send({ type: 'push', conv, counter, envelope: bytes(body) });
const subscribe = async (peer: Peer, conv = 'room') => {
  peer.send({ type: 'subscribe', conv, after: 0 });
  return peer.next('synced', (s) => s.conv === conv);
};

/** A memory revocation bus whose gaps a test announces by hand, as a reconnecting Redis listener would. */
function gappyBus(): RevocationBus & { gap(): void } {
  const inner = createMemoryRevocations();
  const listeners = new Set<() => void>();
  return {
    publish: (e) => inner.publish(e),
    subscribe: (h) => inner.subscribe(h),
    subscribeHints: (h) => inner.subscribeHints(h),
    onGap(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => inner.close(),
    gap: () => {
      for (const l of listeners) l();
    },
  };
}

/** A promise to hold a port's answer until the test lets it go. */
function gate() {
  let open = () => {};
  const passed = new Promise<void>((r) => {
    open = r;
  });
  return { passed, open };
}

describe('relay: revocations', () => {
  it('unsubscribes a removed member at once, refuses their re-subscription and stops their pushes', async () => {
    const revocations = createMemoryRevocations();
    // a long membership cache: without the event, the relay would trust its answer for a minute
    const { connect, directory } = testRelay({ revocations, limits: { membershipTtlMs: 60_000 } });
    const alice = await connect('alice:d1');
    const bob = await connect('bob:d1');
    const bobTablet = await connect('bob:d2');
    await subscribe(alice);
    await subscribe(bob);
    await subscribe(bobTablet);

    directory.members.get('room')?.delete('bob'); // the database changes first, then the event goes out
    await revocations.publish({ kind: 'member', conversationId: 'room', userId: 'bob' });
    for (const peer of [bob, bobTablet]) expect(await peer.next('unsubscribed')).toEqual({ type: 'unsubscribed', conv: 'room', code: ErrorCode.NOT_MEMBER });

    bob.send({ type: 'subscribe', conv: 'room', after: 0 });
    expect(await bob.next('error')).toMatchObject({ code: ErrorCode.NOT_MEMBER, conv: 'room' });
    push(bob, 1, 'still here?');
    expect(await bob.next('error')).toMatchObject({ code: ErrorCode.NOT_MEMBER, counter: 1 });
    push(alice, 1, 'after the removal');
    await alice.next('ack');
    await bob.settle();
    await bobTablet.settle();
    expect([...bob.all('update'), ...bobTablet.all('update')]).toEqual([]);
    expect(bob.closeInfo).toBeUndefined(); // the socket stays: only the conversation is gone
    expect(alice.all('unsubscribed')).toEqual([]);
  });

  it('closes every socket of a signed-out device with REVOKED, leaves the user’s other devices, and refuses its token afterwards', async () => {
    const revocations = createMemoryRevocations();
    const { connect, open, tokens } = testRelay({ revocations });
    const phone = await connect('alice:d1');
    const phoneAgain = await connect('alice:d1', 'alice:d1 second socket');
    const laptop = await connect('alice:d2');
    await subscribe(laptop);

    tokens.tokens.delete('alice:d1'); // its session is revoked in the database
    await revocations.publish({ kind: 'device', userId: 'alice', deviceId: 'd1' });
    for (const peer of [phone, phoneAgain]) {
      expect(await peer.next('error')).toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
      expect((await peer.closed()).code).toBe(CloseCode.REVOKED);
    }
    await laptop.settle();
    expect(laptop.closeInfo).toBeUndefined();

    const retry = open('alice:d1 reconnecting');
    retry.send({ type: 'auth', protocol: PROTOCOL_VERSION, token: 'alice:d1' });
    expect((await retry.next('error')).code).toBe(ErrorCode.UNAUTHENTICATED);
    expect((await retry.closed()).code).toBe(CloseCode.UNAUTHENTICATED);
  });

  it('closes every socket of a banned user with FORBIDDEN and REVOKED, and refuses them at auth', async () => {
    const revocations = createMemoryRevocations();
    const { connect, open, tokens } = testRelay({ revocations });
    const bob1 = await connect('bob:d1');
    const bob2 = await connect('bob:d2');
    const alice = await connect('alice:d1');
    const verify = tokens.verify.bind(tokens);
    tokens.verify = async (token) => {
      const claims = await verify(token);
      if (claims.userId === 'bob') throw new MekongError(ErrorCode.FORBIDDEN, 'suspended');
      return claims;
    };

    await revocations.publish({ kind: 'user', userId: 'bob' });
    for (const peer of [bob1, bob2]) {
      expect(await peer.next('error')).toMatchObject({ code: ErrorCode.FORBIDDEN });
      expect((await peer.closed()).code).toBe(CloseCode.REVOKED);
    }
    await alice.settle();
    expect(alice.closeInfo).toBeUndefined();

    const retry = open('bob again');
    retry.send({ type: 'auth', protocol: PROTOCOL_VERSION, token: 'bob:d3' });
    expect((await retry.next('error')).code).toBe(ErrorCode.FORBIDDEN);
    expect((await retry.closed()).code).toBe(CloseCode.REVOKED);
  });

  it('refuses an authentication whose token check was in flight when the device was signed out', async () => {
    const revocations = createMemoryRevocations();
    const { open, tokens } = testRelay({ revocations });
    const held = gate();
    const verify = tokens.verify.bind(tokens);
    tokens.verify = async (token) => {
      const claims = await verify(token); // read before the sign-out, as a database read could be
      await held.passed;
      return claims;
    };
    const peer = open();
    peer.send({ type: 'auth', protocol: PROTOCOL_VERSION, token: 'alice:d1' });
    await new Promise((r) => setImmediate(r));
    await revocations.publish({ kind: 'device', userId: 'alice', deviceId: 'd1' });
    held.open();
    expect((await peer.next('error')).code).toBe(ErrorCode.UNAUTHENTICATED);
    expect((await peer.closed()).code).toBe(CloseCode.UNAUTHENTICATED);
    expect(peer.all('welcome')).toEqual([]);
  });

  it('does not trust a membership answer that was in flight when the removal arrived', async () => {
    const revocations = createMemoryRevocations();
    const { connect, directory } = testRelay({ revocations });
    const bob = await connect('bob:d1');
    const held = gate();
    const ask = directory.isMember.bind(directory);
    let first = true;
    directory.isMember = async (conv, user) => {
      const answer = await ask(conv, user); // read before the removal
      if (first) {
        first = false;
        await held.passed;
      }
      return answer;
    };
    bob.send({ type: 'subscribe', conv: 'room', after: 0 });
    await new Promise((r) => setImmediate(r));
    directory.members.get('room')?.delete('bob');
    await revocations.publish({ kind: 'member', conversationId: 'room', userId: 'bob' });
    held.open();
    expect(await bob.next('error')).toMatchObject({ code: ErrorCode.NOT_MEMBER, conv: 'room' });
    expect(bob.all('synced')).toEqual([]);
  });

  it('ignores events about other users, devices and conversations', async () => {
    const revocations = createMemoryRevocations();
    const { connect } = testRelay({ revocations, members: { room: ['alice', 'bob'], other: ['bob'] } });
    const alice = await connect('alice:d1');
    await subscribe(alice);
    const events: Revocation[] = [
      { kind: 'device', userId: 'alice', deviceId: 'd9' },
      { kind: 'device', userId: 'bob', deviceId: 'd1' },
      { kind: 'user', userId: 'carol' },
      { kind: 'member', conversationId: 'other', userId: 'alice' },
      { kind: 'member', conversationId: 'room', userId: 'bob' },
    ];
    for (const e of events) await revocations.publish(e);
    push(alice, 1, 'still fine');
    expect((await alice.next('ack')).seq).toBe(1);
    await alice.settle();
    expect(alice.closeInfo).toBeUndefined();
    expect(alice.all('unsubscribed')).toEqual([]);
  });

  it('after a gap in the feed, closes sockets whose session ended and drops subscriptions the user lost', async () => {
    const revocations = gappyBus();
    const { connect, tokens, directory, relay } = testRelay({ revocations });
    const alice = await connect('alice:d1');
    const bob = await connect('bob:d1');
    const bobPhone = await connect('bob:d2');
    await subscribe(alice);
    await subscribe(bob);
    // both changed while the feed was down; neither event arrived
    tokens.tokens.delete('bob:d2');
    directory.members.get('room')?.delete('bob');

    revocations.gap();
    expect(await bobPhone.next('error')).toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
    expect((await bobPhone.closed()).code).toBe(CloseCode.REVOKED);
    // a passive subscriber is asked about again at its next delivery
    push(alice, 1, 'first after the gap');
    expect(await bob.next('unsubscribed')).toEqual({ type: 'unsubscribed', conv: 'room', code: ErrorCode.NOT_MEMBER });
    push(alice, 2, 'second after the gap');
    await alice.next('ack', (a) => a.counter === 2);
    await bob.settle();
    expect(bob.all('update').map((u) => text(u.envelope))).not.toContain('second after the gap');
    expect(bob.closeInfo).toBeUndefined();
    expect(alice.closeInfo).toBeUndefined();
    expect(relay.stats().connections).toBe(2);
  });

  it('after a gap, asks a verifier that can check sessions about each session instead of verifying tokens again', async () => {
    const revocations = gappyBus();
    const { connect, tokens, relay } = testRelay({ revocations, sessions: true });
    const alice = await connect('alice:d1');
    const bobPhone = await connect('bob:d2');
    const verified = tokens.calls.verify;
    tokens.tokens.delete('bob:d2'); // the session ended while the feed was down

    revocations.gap();
    expect(await bobPhone.next('error')).toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
    expect((await bobPhone.closed()).code).toBe(CloseCode.REVOKED);
    await alice.settle();
    expect(alice.closeInfo).toBeUndefined();
    expect(tokens.calls).toEqual({ verify: verified, recheck: 2 });
    expect(relay.stats().connections).toBe(1);
  });
});
