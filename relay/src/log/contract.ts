// The one test suite every LogStore adapter passes: gapless per-conversation seqs, dedup, paging, snapshots, persistence.
import { describe, expect, it } from 'vitest';
import { perTest } from '../test-support/per-test';
import type { LogStore } from '../ports';

export interface LogStoreFixture {
  store: LogStore;
  /** For durable adapters: open the same data again after `store.close()`. */
  reopen?: () => Promise<LogStore>;
  /** Removes whatever the fixture created (temp files); called after each test. */
  cleanup?: () => Promise<void>;
}

const env = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Registers the LogStore contract tests under `describe(name)`; `setup` makes a fresh, empty store per test. */
export function runLogStoreContract(name: string, setup: () => Promise<LogStoreFixture>): void {
  describe(`LogStore contract: ${name}`, () => {
    const fresh = perTest(setup, async (fx) => {
      await fx.store.close().catch(() => undefined);
      await fx.cleanup?.();
    });
    // stores a test opens itself (a reopened one) are closed after it too
    const keep = perTest(async (store: LogStore) => store, (store) => store.close().catch(() => undefined));

    it('starts empty', async () => {
      const { store } = await fresh();
      expect(await store.head('c')).toBe(0);
      expect(await store.readAfter('c', 0, 10)).toEqual([]);
      expect(await store.latestSnapshot('c')).toBeUndefined();
    });

    it('assigns seqs from 1 without holes, independently per conversation', async () => {
      const { store } = await fresh();
      const a = [];
      for (let i = 0; i < 5; i++) a.push((await store.append('a', 'd1', i, env(`a${i}`))).seq);
      const b1 = await store.append('b', 'd1', 0, env('b0'));
      const a6 = await store.append('a', 'd2', 0, env('a5'));
      expect(a).toEqual([1, 2, 3, 4, 5]);
      expect(b1).toEqual({ seq: 1, duplicate: false });
      expect(a6).toEqual({ seq: 6, duplicate: false });
      expect(await store.head('a')).toBe(6);
      expect(await store.head('b')).toBe(1);
      const rows = await store.readAfter('a', 0, 100);
      expect(rows.map((r) => [r.seq, text(r.envelope)])).toEqual([
        [1, 'a0'], [2, 'a1'], [3, 'a2'], [4, 'a3'], [5, 'a4'], [6, 'a5'],
      ]);
    });

    it('deduplicates by (conversation, device, counter) and keeps the first envelope', async () => {
      const { store } = await fresh();
      await store.append('c', 'd1', 7, env('first'));
      await store.append('c', 'd2', 7, env('other device'));
      const again = await store.append('c', 'd1', 7, env('resend'));
      const elsewhere = await store.append('c2', 'd1', 7, env('other conv'));
      expect(again).toEqual({ seq: 1, duplicate: true });
      expect(elsewhere).toEqual({ seq: 1, duplicate: false });
      expect(await store.head('c')).toBe(2);
      expect((await store.readAfter('c', 0, 10)).map((r) => text(r.envelope))).toEqual(['first', 'other device']);
    });

    it('gives 200 concurrent appends distinct, gapless seqs', async () => {
      const { store } = await fresh();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.append('c', `d${i % 7}`, i, env(`m${i}`))),
      );
      expect(results.every((r) => !r.duplicate)).toBe(true);
      expect(results.map((r) => r.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      const rows = await store.readAfter('c', 0, 1000);
      // each envelope sits under the seq its append was told
      for (const [i, r] of results.entries()) expect(text(rows[r.seq - 1]?.envelope ?? new Uint8Array())).toBe(`m${i}`);
    });

    it('stores one row for concurrent resends of the same counter', async () => {
      const { store } = await fresh();
      const results = await Promise.all(Array.from({ length: 20 }, () => store.append('c', 'd', 1, env('x'))));
      expect(new Set(results.map((r) => r.seq))).toEqual(new Set([1]));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(await store.head('c')).toBe(1);
    });

    it('pages through readAfter in ascending order', async () => {
      const { store } = await fresh();
      for (let i = 0; i < 50; i++) await store.append('c', 'd', i, env(`m${i}`));
      const seen: number[] = [];
      let after = 0;
      for (;;) {
        const page = await store.readAfter('c', after, 7);
        expect(page.length).toBeLessThanOrEqual(7);
        if (page.length === 0) break;
        seen.push(...page.map((r) => r.seq));
        after = page[page.length - 1]?.seq ?? after;
      }
      expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect((await store.readAfter('c', 45, 100)).map((r) => r.seq)).toEqual([46, 47, 48, 49, 50]);
      expect(await store.readAfter('c', 50, 100)).toEqual([]);
      expect(await store.readAfter('c', 999, 100)).toEqual([]);
    });

    it('round-trips envelope bytes exactly', async () => {
      const { store } = await fresh();
      const big = new Uint8Array(256 * 1024).map((_, i) => (i * 31 + 7) & 0xff);
      const zeros = new Uint8Array(16);
      await store.append('c', 'd', 1, big);
      await store.append('c', 'd', 2, zeros);
      const rows = await store.readAfter('c', 0, 10);
      // Buffer.equals: element-wise deep equality on 256 KiB is needlessly slow
      expect(Buffer.from(rows[0]?.envelope ?? []).equals(big)).toBe(true);
      expect(Buffer.from(rows[1]?.envelope ?? []).equals(zeros)).toBe(true);
      // a plain Uint8Array, not a driver's Buffer: callers may compare prototypes or hand .buffer on
      expect(Object.getPrototypeOf(rows[0]?.envelope)).toBe(Uint8Array.prototype);
    });

    it('keeps the stored bytes when the caller reuses its buffer', async () => {
      const { store } = await fresh();
      const buf = env('original');
      await store.append('c', 'd', 1, buf);
      buf.fill(0);
      expect(text((await store.readAfter('c', 0, 1))[0]?.envelope ?? new Uint8Array())).toBe('original');
    });

    it('accepts a snapshot only ahead of the current one and within the log', async () => {
      const { store } = await fresh();
      expect(await store.putSnapshot('c', 1, 'd', env('s1'))).toBe(false); // empty log
      for (let i = 0; i < 10; i++) await store.append('c', 'd', i, env(`m${i}`));
      expect(await store.putSnapshot('c', 0, 'd', env('s0'))).toBe(false);
      expect(await store.putSnapshot('c', 11, 'd', env('s11'))).toBe(false);
      expect(await store.putSnapshot('c', 5, 'd', env('s5'))).toBe(true);
      expect(await store.putSnapshot('c', 5, 'd2', env('s5 again'))).toBe(false);
      expect(await store.putSnapshot('c', 3, 'd', env('s3'))).toBe(false);
      let snap = await store.latestSnapshot('c');
      expect(snap && [snap.seq, text(snap.envelope)]).toEqual([5, 's5']);
      expect(await store.putSnapshot('c', 10, 'd', env('s10'))).toBe(true);
      snap = await store.latestSnapshot('c');
      expect(snap && [snap.seq, text(snap.envelope)]).toEqual([10, 's10']);
      expect(await store.latestSnapshot('other')).toBeUndefined();
      expect(await store.head('c')).toBe(10); // a snapshot is not a log entry
    });

    it('refuses work after close', async () => {
      const { store } = await fresh();
      await store.close();
      await expect(store.append('c', 'd', 1, env('x'))).rejects.toThrow();
    });

    it('keeps the log, dedup keys and snapshot across reopen (durable adapters)', async (ctx) => {
      const fx = await fresh();
      if (!fx.reopen) {
        ctx.skip('the adapter is not durable, so there is nothing to reopen');
        return;
      }
      for (let i = 0; i < 3; i++) await fx.store.append('c', 'd', i, env(`m${i}`));
      await fx.store.putSnapshot('c', 2, 'd', env('snap'));
      await fx.store.close();
      const store = await keep(await fx.reopen());
      expect(await store.head('c')).toBe(3);
      expect((await store.readAfter('c', 0, 10)).map((r) => text(r.envelope))).toEqual(['m0', 'm1', 'm2']);
      expect(await store.append('c', 'd', 1, env('resend'))).toEqual({ seq: 2, duplicate: true });
      expect(await store.append('c', 'd', 3, env('m3'))).toEqual({ seq: 4, duplicate: false });
      const snap = await store.latestSnapshot('c');
      expect(snap && [snap.seq, text(snap.envelope)]).toEqual([2, 'snap']);
    });
  });
}
