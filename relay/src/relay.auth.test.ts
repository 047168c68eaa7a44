import { CloseCode, ErrorCode, PROTOCOL_VERSION } from '@mekong/schema';
import { describe, expect, it } from 'vitest';
import { HOUR, testRelay } from './test-support/setup';

describe('relay: authentication', () => {
  it('welcomes a device with a valid token', async () => {
    const { open, clock } = testRelay();
    const alice = open('alice');
    const welcome = await alice.auth('alice:d1');
    expect(welcome).toEqual({ type: 'welcome', protocol: PROTOCOL_VERSION, user: 'alice', device: 'd1', expiresAt: clock.t + HOUR });
    await alice.settle(); // the connection serves frames
  });

  it('closes UNAUTHENTICATED for an unknown token', async () => {
    const { open, relay } = testRelay();
    const peer = open();
    peer.send({ type: 'auth', protocol: PROTOCOL_VERSION, token: 'forged' });
    expect((await peer.next('error')).code).toBe(ErrorCode.UNAUTHENTICATED);
    expect((await peer.closed()).code).toBe(CloseCode.UNAUTHENTICATED);
    expect(relay.stats().connections).toBe(0);
  });

  it('refuses a token that names no device', async () => {
    const { open, tokens, clock } = testRelay();
    tokens.tokens.set('web-session', { userId: 'alice', expiresAt: clock.t + HOUR });
    const peer = open();
    peer.send({ type: 'auth', protocol: PROTOCOL_VERSION, token: 'web-session' });
    expect((await peer.next('error')).code).toBe(ErrorCode.UNAUTHENTICATED);
    expect((await peer.closed()).code).toBe(CloseCode.UNAUTHENTICATED);
  });

  it('closes a connection that does not authenticate in time', async () => {
    const { open, relay } = testRelay({ limits: { authTimeoutMs: 50 } });
    const peer = open();
    expect(relay.stats().connections).toBe(1);
    expect((await peer.closed()).code).toBe(CloseCode.UNAUTHENTICATED);
    expect(peer.all('error').map((e) => e.code)).toEqual([ErrorCode.UNAUTHENTICATED]);
    expect(relay.stats().connections).toBe(0);
  });

  it('keeps an authenticated connection past the auth timeout', async () => {
    const { connect } = testRelay({ limits: { authTimeoutMs: 30 } });
    const alice = await connect('alice:d1');
    await new Promise((r) => setTimeout(r, 80));
    expect(alice.closeInfo).toBeUndefined();
    await alice.settle();
  });

  it.each([0, PROTOCOL_VERSION + 1])('refuses protocol %i with UNSUPPORTED_PROTOCOL', async (protocol) => {
    const { open } = testRelay();
    const peer = open();
    peer.send({ type: 'auth', protocol, token: 'alice:d1' });
    expect((await peer.next('error')).code).toBe(ErrorCode.UNSUPPORTED_PROTOCOL);
    expect((await peer.closed()).code).toBe(CloseCode.UNSUPPORTED_PROTOCOL);
    expect(peer.all('welcome')).toEqual([]);
  });

  it('requires auth before anything else', async () => {
    const { open, log } = testRelay();
    const peer = open();
    peer.send({ type: 'push', conv: 'room', counter: 1, envelope: new Uint8Array([1]) });
    expect((await peer.next('error')).code).toBe(ErrorCode.UNAUTHENTICATED);
    expect((await peer.closed()).code).toBe(CloseCode.UNAUTHENTICATED);
    expect(await log.head('room')).toBe(0);
  });

  it('refuses a token that has already expired', async () => {
    const { open, tokens, clock } = testRelay();
    tokens.tokens.set('old', { userId: 'alice', deviceId: 'd1', expiresAt: clock.t - 1 });
    const peer = open();
    peer.send({ type: 'auth', protocol: PROTOCOL_VERSION, token: 'old' });
    expect((await peer.next('error')).code).toBe(ErrorCode.TOKEN_EXPIRED);
    expect((await peer.closed()).code).toBe(CloseCode.TOKEN_EXPIRED);
  });

  it('answers frames after expiry with TOKEN_EXPIRED and closes', async () => {
    const { connect, clock, log } = testRelay();
    const alice = await connect('alice:d1');
    clock.t += HOUR;
    alice.send({ type: 'push', conv: 'room', counter: 1, envelope: new Uint8Array([1]) });
    expect((await alice.next('error')).code).toBe(ErrorCode.TOKEN_EXPIRED);
    expect((await alice.closed()).code).toBe(CloseCode.TOKEN_EXPIRED);
    expect(await log.head('room')).toBe(0);
  });

  it('stops live delivery to an expired connection', async () => {
    const { connect, clock, tokens } = testRelay();
    const bob = await connect('bob:d1');
    bob.send({ type: 'subscribe', conv: 'room', after: 0 });
    await bob.next('synced');
    clock.t += HOUR - 1;
    tokens.tokens.set('alice:fresh', { userId: 'alice', deviceId: 'd1', expiresAt: clock.t + HOUR });
    const alice = await connect('alice:fresh');
    clock.t += 10; // bob's token ran out; he sends nothing
    alice.send({ type: 'push', conv: 'room', counter: 1, envelope: new Uint8Array([1]) });
    await alice.next('ack');
    expect((await bob.closed()).code).toBe(CloseCode.TOKEN_EXPIRED);
    expect(bob.all('update')).toEqual([]);
  });

  it('refreshes the token on the open socket', async () => {
    const { connect, clock, tokens } = testRelay();
    const alice = await connect('alice:d1');
    tokens.tokens.set('alice:d1:later', { userId: 'alice', deviceId: 'd1', expiresAt: clock.t + 3 * HOUR });
    const refreshed = await alice.auth('alice:d1:later');
    expect(refreshed.expiresAt).toBe(clock.t + 3 * HOUR);
    clock.t += 2 * HOUR; // past the first token, within the second
    await alice.settle();
    expect(alice.closeInfo).toBeUndefined();
    clock.t += HOUR;
    alice.send({ type: 'ping', id: 99 });
    expect((await alice.closed()).code).toBe(CloseCode.TOKEN_EXPIRED);
  });

  it.each([
    ['another user', 'bob:d1'],
    ['another device', 'alice:d2'],
  ])('closes when a refresh names %s', async (_what, token) => {
    const { connect } = testRelay();
    const alice = await connect('alice:d1');
    alice.send({ type: 'auth', protocol: PROTOCOL_VERSION, token });
    expect((await alice.next('error')).code).toBe(ErrorCode.UNAUTHENTICATED);
    expect((await alice.closed()).code).toBe(CloseCode.UNAUTHENTICATED);
  });

  it('closes when a refresh token is rejected', async () => {
    const { connect } = testRelay();
    const alice = await connect('alice:d1');
    alice.send({ type: 'auth', protocol: PROTOCOL_VERSION, token: 'garbage' });
    expect((await alice.closed()).code).toBe(CloseCode.UNAUTHENTICATED);
  });

  it('answers INTERNAL when the verifier breaks, and lets the client try again', async () => {
    const t = testRelay();
    const verify = t.tokens.verify;
    let broken = true;
    t.tokens.verify = (token) => (broken ? Promise.reject(new Error('key server unreachable')) : verify(token));
    const peer = t.open();
    peer.send({ type: 'auth', protocol: PROTOCOL_VERSION, token: 'alice:d1' });
    expect((await peer.next('error')).code).toBe(ErrorCode.INTERNAL);
    broken = false;
    expect((await peer.auth('alice:d1')).user).toBe('alice');
  });

  it('limits connections per user and frees the slot on close', async () => {
    const { connect, open, relay } = testRelay({ limits: { maxConnectionsPerUser: 2 } });
    const first = await connect('alice:d1');
    await connect('alice:d2');
    const third = open('third');
    third.send({ type: 'auth', protocol: PROTOCOL_VERSION, token: 'alice:d3' });
    expect((await third.next('error')).code).toBe(ErrorCode.TOO_MANY_CONNECTIONS);
    expect((await third.closed()).code).toBe(CloseCode.TOO_MANY_CONNECTIONS);
    await connect('bob:d1'); // other users are not affected
    first.transport.close();
    await connect('alice:d3');
    expect(relay.stats().connections).toBe(3);
  });
});
