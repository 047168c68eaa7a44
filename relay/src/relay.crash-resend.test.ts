// A relay that died between committing a push and publishing it: the client resends to another relay,
// which finds the append already done. The members following the conversation must still get it live,
// not only when the conversation next gets traffic.
import { describe, expect, it } from 'vitest';
import { bytes, testRelay, text } from './test-support/setup';

describe('relay: a resend of a push whose first relay died after the commit', () => {
  it('is acknowledged with the original seq and delivered to live subscribers', async () => {
    const { log, connect } = testRelay();
    const bob = await connect('bob:d1');
    bob.send({ type: 'subscribe', conv: 'room', after: 0 });
    await bob.next('synced');
    // what the dead relay left behind: the update committed under alice's (device, counter), never acked or published
    await log.append('room', 'd1', 1, bytes('first'));
    const alice = await connect('alice:d1');
    alice.send({ type: 'push', conv: 'room', counter: 1, envelope: bytes('first') });
    expect((await alice.next('ack')).seq).toBe(1);
    const update = await bob.next('update');
    expect([update.seq, text(update.envelope)]).toEqual([1, 'first']);
    // a second resend is acknowledged again and stored once
    alice.send({ type: 'push', conv: 'room', counter: 1, envelope: bytes('first') });
    expect((await alice.next('ack')).seq).toBe(1);
    expect(await log.head('room')).toBe(1);
  });
});
