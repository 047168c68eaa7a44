import { CloseCode, ErrorCode, encodeUp, PROTOCOL_VERSION } from '@mekong/schema';
import { describe, expect, it } from 'vitest';
import type { InMemoryClient } from './test-support/memory-socket';
import { bytes, testRelay } from './test-support/setup';

describe('relay: limits', () => {
  it('closes FRAME_TOO_LARGE for a frame over maxFrameBytes and accepts one at the limit', async () => {
    const { connect, log } = testRelay({ limits: { maxFrameBytes: 1000 } });
    const alice = await connect('alice:d1');
    // grow the envelope until the frame is exactly 1000 bytes
    let envelope = 990;
    let frame = encodeUp({ type: 'push', conv: 'room', counter: 1, envelope: new Uint8Array(envelope) });
    while (frame.length < 1000) frame = encodeUp({ type: 'push', conv: 'room', counter: 1, envelope: new Uint8Array(++envelope) });
    expect(frame.length).toBe(1000);
    alice.sendRaw(frame);
    expect((await alice.next('ack')).seq).toBe(1);
    alice.sendRaw(encodeUp({ type: 'push', conv: 'room', counter: 2, envelope: new Uint8Array(envelope + 1) }));
    expect((await alice.next('error')).code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect((await alice.closed()).code).toBe(CloseCode.FRAME_TOO_LARGE);
    expect(await log.head('room')).toBe(1);
  });

  it('allows only auth-sized frames before authentication', async () => {
    const { open } = testRelay();
    const peer = open();
    peer.sendRaw(new Uint8Array(64 * 1024));
    expect((await peer.next('error')).code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect((await peer.closed()).code).toBe(CloseCode.FRAME_TOO_LARGE);
  });

  it('drops frames beyond the rate with RATE_LIMITED and recovers after a pause', async () => {
    const { connect, clock } = testRelay({ limits: { framesPerSecond: 10, burst: 5 } });
    clock.t += 1000; // the auth frame's token is back
    const alice = await connect('alice:d1');
    clock.t += 1000;
    for (let id = 1; id <= 7; id++) alice.send({ type: 'ping', id });
    await new Promise((r) => setImmediate(r));
    expect(alice.all('pong').map((p) => p.id)).toEqual([1, 2, 3, 4, 5]);
    expect(alice.all('error').map((e) => e.code)).toEqual([ErrorCode.RATE_LIMITED, ErrorCode.RATE_LIMITED]);
    clock.t += 1000; // refills the debt of 2 and the burst
    for (let id = 8; id <= 12; id++) alice.send({ type: 'ping', id });
    await alice.next('pong', (p) => p.id === 12);
    expect(alice.all('pong')).toHaveLength(10);
    expect(alice.closeInfo).toBeUndefined();
  });

  it('closes RATE_LIMITED a connection that keeps flooding', async () => {
    const { connect, clock } = testRelay({ limits: { framesPerSecond: 10, burst: 5 } });
    const alice = await connect('alice:d1');
    clock.t += 1000;
    for (let id = 1; id <= 40; id++) alice.send({ type: 'ping', id });
    expect((await alice.closed()).code).toBe(CloseCode.RATE_LIMITED);
    // the 5 admitted pings were still queued when the flood closed the connection; nothing runs after close
    expect(alice.all('pong').length).toBeLessThanOrEqual(5);
    const errors = alice.all('error');
    // 5 frames pass, then the debt grows by one per frame until it reaches 3 bursts (15)
    expect(errors).toHaveLength(15);
    expect(errors.every((e) => e.code === ErrorCode.RATE_LIMITED)).toBe(true);
  });

  it('answers a text frame with MALFORMED_FRAME and keeps serving', async () => {
    const { relay, connect } = testRelay();
    const alice = await connect('alice:d1');
    (alice.transport as InMemoryClient).sendText('{"type":"ping"}');
    expect((await alice.next('error')).code).toBe(ErrorCode.MALFORMED_FRAME);
    await alice.settle();
    expect(relay.stats().connections).toBe(1);
  });

  it('tolerates some malformed frames, then closes PROTOCOL_ERROR', async () => {
    const { connect } = testRelay({ limits: { maxMalformedFrames: 20 } });
    const alice = await connect('alice:d1');
    for (let i = 0; i < 20; i++) alice.sendRaw(new Uint8Array([200, i]));
    await alice.settle();
    expect(alice.all('error')).toHaveLength(20);
    expect(alice.all('error').every((e) => e.code === ErrorCode.MALFORMED_FRAME)).toBe(true);
    alice.sendRaw(new Uint8Array([200]));
    expect((await alice.closed()).code).toBe(CloseCode.PROTOCOL_ERROR);
  });

  it('names the decode failure: truncated, unknown tag, empty, trailing bytes', async () => {
    const { connect } = testRelay();
    const alice = await connect('alice:d1');
    const push = encodeUp({ type: 'push', conv: 'room', counter: 1, envelope: bytes('hello') });
    alice.sendRaw(push.subarray(0, push.length - 2));
    alice.sendRaw(new Uint8Array([0xee]));
    alice.sendRaw(new Uint8Array());
    alice.sendRaw(new Uint8Array([...push, 0]));
    await alice.settle();
    const errors = alice.all('error');
    expect(errors.map((e) => e.code)).toEqual(Array(4).fill(ErrorCode.MALFORMED_FRAME));
    expect(errors.map((e) => e.message.length > 0)).toEqual([true, true, true, true]);
  });

  it('refuses invalid limits at creation', () => {
    expect(() => testRelay({ limits: { burst: 0 } })).toThrow(/burst/);
  });

  it('still accepts auth after a malformed first frame', async () => {
    const { open } = testRelay({ limits: { authTimeoutMs: 40 } });
    const peer = open();
    peer.sendRaw(new Uint8Array([1, 2, 3]));
    expect((await peer.next('error')).code).toBe(ErrorCode.MALFORMED_FRAME);
    peer.send({ type: 'auth', protocol: PROTOCOL_VERSION, token: 'alice:d1' });
    expect((await peer.next('welcome')).user).toBe('alice');
  });
});
