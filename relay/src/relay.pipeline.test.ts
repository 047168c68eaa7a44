// A connection's pushes are stored together while its answers keep frame order.
import { describe, expect, it } from 'vitest';
import { createMemoryLogStore, openSqliteLogStore } from './log';
import { heldLog } from './test-support/held-log';
import { bytes, testRelay, text } from './test-support/setup';

const tick = () => new Promise((r) => setImmediate(r));

describe('relay: pipelined pushes', () => {
  it('starts the appends of later pushes before the first is stored, and answers every frame in the order it came', async () => {
    const log = heldLog(createMemoryLogStore());
    const { connect } = testRelay({ log, members: { room: ['alice', 'bob'], other: ['bob'] } });
    const alice = await connect('alice:d1');
    log.appends.hold();
    for (let counter = 1; counter <= 3; counter++) alice.send({ type: 'push', conv: 'room', counter, envelope: bytes(`m${counter}`) });
    alice.send({ type: 'push', conv: 'other', counter: 4, envelope: bytes('not hers') });
    alice.send({ type: 'ping', id: 99 });
    for (let i = 0; i < 20; i++) await tick();
    // all three appends are under way at once, and nothing has been answered yet
    expect(log.appends.waiting).toBe(3);
    expect(alice.frames.filter((f) => f.type !== 'welcome')).toEqual([]);
    log.appends.release();
    await alice.next('pong');
    const answers = alice.frames.flatMap((f) =>
      f.type === 'ack' ? [`ack ${f.counter}→${f.seq}`] : f.type === 'error' ? [`error ${f.code} ${f.counter}`] : f.type === 'pong' ? ['pong'] : [],
    );
    expect(answers).toEqual(['ack 1→1', 'ack 2→2', 'ack 3→3', 'error NOT_MEMBER 4', 'pong']);
    expect(await log.head('other')).toBe(0);
  });

  it('fails only the push whose append failed, in its place among the answers', async () => {
    const inner = createMemoryLogStore();
    let calls = 0;
    const log = {
      ...inner,
      append: (...args: Parameters<typeof inner.append>) => (++calls === 2 ? Promise.reject(new Error('disk full')) : inner.append(...args)),
    };
    const { connect } = testRelay({ log });
    const alice = await connect('alice:d1');
    for (let counter = 1; counter <= 3; counter++) alice.send({ type: 'push', conv: 'room', counter, envelope: bytes(`m${counter}`) });
    await alice.settle();
    const answers = alice.frames.flatMap((f) => (f.type === 'ack' ? [`ack ${f.counter}`] : f.type === 'error' ? [`error ${f.code} ${f.counter}`] : []));
    expect(answers).toEqual(['ack 1', 'error UNAVAILABLE 2', 'ack 3']);
  });

  it('on the SQLite log, a burst from several connections is stored gapless and each sender sees its own order', async () => {
    const log = await openSqliteLogStore(':memory:');
    const { connect } = testRelay({ log, members: { room: ['alice', 'bob', 'carol'] } });
    const peers = [await connect('alice:d1'), await connect('bob:d2'), await connect('carol:d3')]; // distinct device ids: resends are found by (device, counter)
    const reader = await connect('alice:d2');
    reader.send({ type: 'subscribe', conv: 'room', after: 0 });
    await reader.next('synced');
    peers.forEach((p, i) => {
      for (let counter = 1; counter <= 50; counter++) p.send({ type: 'push', conv: 'room', counter, envelope: bytes(`${i}:${counter}`) });
      p.send({ type: 'push', conv: 'room', counter: 25, envelope: bytes(`${i}:25 resent`) }); // a resend in the same burst
    });
    for (const p of peers) await p.settle();
    for (const p of peers) {
      const acks = p.all('ack');
      expect(acks.map((a) => a.counter)).toEqual([...Array.from({ length: 50 }, (_, k) => k + 1), 25]);
      // seqs grow with the counters, and the resend got the first append's seq
      const seqs = acks.slice(0, 50).map((a) => a.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(acks[50]!.seq).toBe(acks[24]!.seq);
    }
    expect(await log.head('room')).toBe(150);
    const stored = await log.readAfter('room', 0, 1000);
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 150 }, (_, k) => k + 1));
    expect(stored.some((e) => text(e.envelope).endsWith('resent'))).toBe(false);
    await reader.settle();
    for (let i = 0; i < 50 && reader.all('update').length < 150; i++) await tick();
    expect(reader.all('update').map((u) => u.seq)).toEqual(Array.from({ length: 150 }, (_, k) => k + 1));
    await log.close();
  });
});
