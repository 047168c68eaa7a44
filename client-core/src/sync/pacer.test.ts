import type { PushUp } from '@mekong/schema';
import { describe, expect, it } from 'vitest';
import { PushPacer } from './pacer';

const push = (counter: number, conv = 'c'): PushUp => ({ type: 'push', conv, counter, envelope: new Uint8Array([counter & 255]) });

describe('PushPacer', () => {
  it('keeps at most `window` pushes in flight and sends more as acks arrive', () => {
    const sent: number[] = [];
    const p = new PushPacer((f) => sent.push(f.counter), { window: 3, ratePerSecond: 1e6, burst: 1e6 });
    for (let i = 1; i <= 10; i++) p.push(push(i));
    expect(sent).toEqual([1, 2, 3]);
    p.acked('c', 2);
    expect(sent).toEqual([1, 2, 3, 4]);
    p.acked('c', 1);
    p.acked('c', 3);
    expect(sent).toEqual([1, 2, 3, 4, 5, 6]);
    expect(p.pending).toBe(7);
  });

  it('never queues the same push twice', () => {
    const sent: number[] = [];
    const p = new PushPacer((f) => sent.push(f.counter), { window: 1, ratePerSecond: 1e6, burst: 1e6 });
    p.push(push(1));
    p.push(push(1));
    p.push(push(2));
    p.push(push(2));
    p.acked('c', 1);
    p.acked('c', 2);
    expect(sent).toEqual([1, 2]);
  });

  it('spends a token bucket: a burst goes out at once, the rest at the rate', async () => {
    let t = 0;
    const sent: number[] = [];
    const p = new PushPacer((f) => sent.push(f.counter), { window: 1000, ratePerSecond: 100, burst: 5, now: () => t });
    for (let i = 1; i <= 20; i++) p.push(push(i));
    expect(sent).toHaveLength(5);
    t += 100; // 10 tokens earned, but the bucket holds at most 5
    await new Promise((r) => setTimeout(r, 30));
    expect(sent).toHaveLength(10);
    t += 30; // 3 more
    await new Promise((r) => setTimeout(r, 30));
    expect(sent).toHaveLength(13);
    p.reset();
    expect(p.pending).toBe(0);
  });
});
