import { describe, expect, it } from 'vitest';
import { createMemoryBus } from './bus';
import { Hub } from './hub';
import { createMemoryLogStore } from './log';
import type { BusMessage, FanoutBus, LogStore } from './ports';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(2);
  }
}
const body = (seq: number) => new TextEncoder().encode(`m${seq}`);

/** A memory bus whose gap reports the test triggers, and a log whose reads it can count, slow down or break. */
function setup(options: { pageSize?: number; quietMs?: number; maxConcurrentReads?: number } = {}) {
  const memory = createMemoryBus();
  const gapListeners = new Set<(conv?: string) => void>();
  const bus: FanoutBus = {
    ...memory,
    onGap(listener) {
      gapListeners.add(listener);
      return () => gapListeners.delete(listener);
    },
  };
  const inner = createMemoryLogStore();
  const reads = { count: 0, running: 0, maxRunning: 0, delayMs: 0, fail: undefined as Error | undefined };
  const log: LogStore = {
    ...inner,
    async readAfter(conv, after, limit) {
      reads.count++;
      reads.running++;
      reads.maxRunning = Math.max(reads.maxRunning, reads.running);
      try {
        if (reads.delayMs) await sleep(reads.delayMs);
        if (reads.fail) throw reads.fail;
        return await inner.readAfter(conv, after, limit);
      } finally {
        reads.running--;
      }
    },
  };
  const errors: string[] = [];
  const hub = new Hub(bus, {
    log,
    pageSize: options.pageSize ?? 100,
    quietMs: options.quietMs ?? 0,
    maxConcurrentReads: options.maxConcurrentReads,
    onError: (_err, during) => errors.push(during),
  });
  /** Appends to the log as a relay would; the bus message is the caller's to send (or lose). */
  const append = async (conv: string, n: number) => {
    const out: Array<Extract<BusMessage, { kind: 'update' }>> = [];
    for (let i = 0; i < n; i++) {
      const next = (await inner.head(conv)) + 1;
      const { seq } = await inner.append(conv, 'dev', next, body(next));
      out.push({ kind: 'update', seq, envelope: body(seq), origin: 'other' });
    }
    return out;
  };
  const subscriber = (id: string) => {
    const got: BusMessage[] = [];
    return { id, got, seqs: () => got.flatMap((m) => (m.kind === 'update' ? [m.seq] : [])), deliver: (_conv: string, msg: BusMessage) => void got.push(msg) };
  };
  const gap = (conv?: string) => {
    for (const l of gapListeners) l(conv);
  };
  return { hub, bus, log, reads, errors, append, subscriber, gap };
}

describe('hub: ordered live delivery', () => {
  it('delivers in seq order when the bus reorders, and drops duplicates', async () => {
    const t = setup();
    const s = t.subscriber('s');
    await t.hub.add('c', s);
    const [m1, m2, m3] = await t.append('c', 3);
    for (const m of [m1, m3, m2, m3, m1]) if (m) await t.bus.publish('c', m);
    await until(() => s.seqs().length >= 3, 'three updates');
    await sleep(20);
    expect(s.seqs()).toEqual([1, 2, 3]);
  });

  it('fills a hole from the log page by page before the update that revealed it', async () => {
    const t = setup({ pageSize: 2 });
    const s = t.subscriber('s');
    await t.hub.add('c', s);
    const updates = await t.append('c', 8);
    const last = updates.at(-1);
    if (last) await t.bus.publish('c', last); // 1..7 never came over the bus
    await until(() => s.seqs().length === 8, 'eight updates');
    expect(s.seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(s.got.map((m) => (m.kind === 'update' ? new TextDecoder().decode(m.envelope) : ''))).toEqual(updates.map((u) => `m${u.seq}`));
    expect(t.reads.count).toBe(4); // 7 missing, 2 a page
  });

  it('starts after the head it found when it began following: earlier updates are the catch-up’s job', async () => {
    const t = setup();
    await t.append('c', 5);
    const s = t.subscriber('s');
    await t.hub.add('c', s);
    const [m6] = await t.append('c', 1);
    if (m6) await t.bus.publish('c', m6);
    expect(s.seqs()).toEqual([6]);
    expect(t.reads.count).toBe(0);
  });

  it('reads the log after a reported gap, for one conversation or all', async () => {
    const t = setup();
    const a = t.subscriber('a');
    const b = t.subscriber('b');
    await t.hub.add('x', a);
    await t.hub.add('y', b);
    await t.append('x', 3);
    await t.append('y', 2);
    t.gap('x');
    await until(() => a.seqs().length === 3, 'x filled');
    expect(b.seqs()).toEqual([]);
    t.gap();
    await until(() => b.seqs().length === 2, 'y filled');
    expect(a.seqs()).toEqual([1, 2, 3]);
  });

  it('reads once more after a quiet spell, so a lost last update still arrives', async () => {
    const t = setup({ quietMs: 50 });
    const s = t.subscriber('s');
    await t.hub.add('c', s);
    const [m1] = await t.append('c', 2);
    if (m1) await t.bus.publish('c', m1); // 2 is lost and nothing follows it
    expect(s.seqs()).toEqual([1]);
    await until(() => s.seqs().length === 2, 'the lost last update');
    expect(s.seqs()).toEqual([1, 2]);
  });

  it('holds a bounded backlog while a fill runs, and reads the log instead of keeping more', async () => {
    const t = setup({ pageSize: 4 });
    const s = t.subscriber('s');
    await t.hub.add('c', s);
    t.reads.delayMs = 30;
    const updates = await t.append('c', 40);
    for (const m of updates.slice(1)) await t.bus.publish('c', m); // 1 lost: the fill is slow, 38 updates pile up
    await until(() => s.seqs().length === 40, 'all forty');
    expect(s.seqs()).toEqual(updates.map((u) => u.seq));
  });

  it('retries a failed log read later and loses nothing meanwhile', async () => {
    const t = setup();
    const s = t.subscriber('s');
    await t.hub.add('c', s);
    const [, m2] = await t.append('c', 2);
    t.reads.fail = new Error('database restarting');
    if (m2) await t.bus.publish('c', m2);
    await until(() => t.errors.length > 0, 'the failure is reported');
    t.reads.fail = undefined;
    await until(() => s.seqs().length === 2, 'filled after the retry', 4000);
    expect(s.seqs()).toEqual([1, 2]);
  });

  it('bounds concurrent log reads when every conversation resyncs at once', async () => {
    const t = setup({ maxConcurrentReads: 3 });
    const subs = Array.from({ length: 20 }, (_, i) => t.subscriber(`s${i}`));
    for (const [i, s] of subs.entries()) await t.hub.add(`c${i}`, s);
    for (let i = 0; i < 20; i++) await t.append(`c${i}`, 2);
    t.reads.delayMs = 5;
    t.gap();
    await until(() => subs.every((s) => s.seqs().length === 2), 'all twenty filled');
    expect(t.reads.maxRunning).toBe(3);
  });

  it('skips for a subscriber what its catch-up already sent, and still serves the others', async () => {
    const t = setup();
    const early = t.subscriber('early');
    const late = t.subscriber('late');
    await t.hub.add('c', early);
    await t.hub.add('c', late);
    const [m1, m2, m3] = await t.append('c', 3);
    t.hub.caughtUp('c', late, 2); // read 1..2 from the log itself
    for (const m of [m1, m2, m3]) if (m) await t.bus.publish('c', m);
    expect(early.seqs()).toEqual([1, 2, 3]);
    expect(late.seqs()).toEqual([3]);
  });

  it('serves the rest when a delivery ends another subscriber, and never serves the ended one', async () => {
    const t = setup();
    const a = t.subscriber('a');
    const b = t.subscriber('b');
    const c = t.subscriber('c');
    // a's socket dies while it is being served and takes b's subscription with it (same user, say)
    const dying = {
      ...a,
      deliver(conv: string, msg: BusMessage) {
        a.deliver(conv, msg);
        t.hub.remove('c', b);
      },
    };
    for (const s of [dying, b, c]) await t.hub.add('c', s);
    const [m1, m2] = await t.append('c', 2);
    for (const m of [m1, m2]) if (m) await t.bus.publish('c', m);
    expect(a.seqs()).toEqual([1, 2]);
    expect(b.seqs()).toEqual([]);
    expect(c.seqs()).toEqual([1, 2]);
    expect(t.hub.size).toBe(2);
  });

  it('forgets a conversation whose bus subscription fails, so the next add tries again', async () => {
    const t = setup();
    let failNext = true;
    const failing: FanoutBus = {
      ...t.bus,
      subscribe(conv, handler) {
        const inner = t.bus.subscribe(conv, handler);
        if (!failNext) return inner;
        failNext = false;
        return { ready: Promise.reject(new Error('bus down')), unsubscribe: inner.unsubscribe };
      },
    };
    const hub = new Hub(failing, { log: t.log, pageSize: 10, quietMs: 0, onError: () => {} });
    const s = t.subscriber('s');
    await expect(hub.add('c', s)).rejects.toThrow('bus down');
    expect(hub.size).toBe(0);
    await hub.add('c', s);
    expect(hub.size).toBe(1);
  });
});
