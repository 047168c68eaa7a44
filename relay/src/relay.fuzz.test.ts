import { encodeUp, PROTOCOL_VERSION, type Up } from '@mekong/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Peer } from './test-support/peer';
import { testRelay } from './test-support/setup';

// Valid frames to truncate and mutate. None targets 'room', so no mutation can be a legitimate append there.
const SEEDS: Up[] = [
  { type: 'push', conv: 'secret', counter: 7, envelope: new Uint8Array([1, 2, 3, 4, 5, 6]) },
  { type: 'subscribe', conv: 'secret', after: 3 },
  { type: 'put-snapshot', conv: 'secret', seq: 1, envelope: new Uint8Array([9, 9]) },
  { type: 'ephemeral', conv: 'secret', envelope: new Uint8Array([4]) },
  { type: 'unsubscribe', conv: 'room' },
  { type: 'ping', id: 1 },
  { type: 'auth', protocol: PROTOCOL_VERSION, token: 'alice:d1' },
].map((f) => f as Up);
const seeds = SEEDS.map(encodeUp);

const mutated = fc
  .tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 0, max: 255 }))
  .map(([frame, at, value]) => {
    const copy = frame.slice();
    copy[at % copy.length] = value;
    return copy;
  });
const truncated = fc.tuple(fc.constantFrom(...seeds), fc.nat()).map(([frame, n]) => frame.subarray(0, n % frame.length));
const garbage = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 300 }) },
  { weight: 3, arbitrary: mutated },
  { weight: 2, arbitrary: truncated },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 4097, maxLength: 5000 }) }, // over maxFrameBytes
);

/** Waits until the relay has handled what `peer` sent, or closed it. */
async function quiet(peer: Peer): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  if (peer.closeInfo) return;
  const id = 1_000_000 + peer.frames.length;
  peer.send({ type: 'ping', id });
  await Promise.race([peer.next('pong', (p) => p.id === id), peer.closed()]);
}

describe('relay: hostile input', () => {
  it('survives random, truncated, mutated and oversized frames with the log intact', async () => {
    const { relay, log, connect, open, directory, clock } = testRelay({
      limits: { maxFrameBytes: 4096 },
      members: { room: ['alice', 'bob'], secret: ['carol'] },
    });
    const bob = await connect('bob:d1');
    let pushes = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(garbage, { minLength: 1, maxLength: 3 }), fc.boolean(), async (frames, authed) => {
        clock.t += 100; // bob's frames stay within the rate
        // half the runs hit an authenticated connection, half one that never authenticated
        const peer = authed ? await connect('alice:d1') : open('anonymous');
        for (const frame of frames) peer.sendRaw(frame);
        await quiet(peer);
        peer.transport.close();
        // the relay still serves, and the log has exactly the valid pushes, gapless
        pushes++;
        bob.send({ type: 'push', conv: 'room', counter: pushes, envelope: new Uint8Array([pushes & 0xff]) });
        expect((await bob.next('ack')).seq).toBe(pushes);
        expect(await log.head('room')).toBe(pushes);
        expect(await log.head('secret')).toBe(0);
      }),
      { numRuns: 300 },
    );
    expect(relay.stats().connections).toBe(1); // only bob is left
    const entries = await log.readAfter('room', 0, 1000);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: pushes }, (_, i) => i + 1));
    expect(directory.members.get('secret')).toEqual(new Set(['carol']));
  });
});
