// The contract every StoragePort adapter must pass: one vitest suite, run by the memory, SQLite and IndexedDB adapters alike.
import { ErrorCode } from '@mekong/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rangeContract } from './contract-range';
import { bytes, expectRejects, firstDifference, type StorageContractFixture, text } from './contract-util';
import type { StoragePort } from './port';

export type { StorageContractFixture } from './contract-util';

const INVALID_KEYS: Array<[string, unknown]> = [
  ['empty', ''],
  ['513 characters', 'k'.repeat(513)],
  ['a newline', 'a\nb'],
  ['a tab', 'a\tb'],
  ['DEL (0x7f)', 'a\x7f'],
  ['non-ASCII letters', 'tin-nhắn'],
  ['an emoji', 'k\u{1F600}'],
  ['a number', 42],
  ['undefined', undefined],
];

/**
 * Registers the storage contract as a vitest suite. `setup` runs before every case and must return
 * a fresh, empty storage; `reopen`, when given, opens the same data again after the storage is
 * closed (the persistence case is skipped, with a reason, without it).
 *
 * @example
 * runStorageContract('memory', async () => {
 *   const storage = createMemoryStorage();
 *   return { storage, teardown: () => storage.close() };
 * });
 */
export function runStorageContract(name: string, setup: () => Promise<StorageContractFixture>): void {
  describe(`storage contract: ${name}`, () => {
    let fixture: StorageContractFixture | undefined;
    const current = (): StorageContractFixture => {
      if (!fixture) throw new Error('storage contract: setup did not run');
      return fixture;
    };
    const store = (): StoragePort => current().storage;

    beforeEach(async () => {
      fixture = await setup();
    });
    afterEach(async () => {
      await fixture?.teardown();
      fixture = undefined;
    });

    it('returns undefined for a key never written', async () => {
      expect(await store().get('missing')).toBeUndefined();
    });

    it('stores, reads back and overwrites a value', async () => {
      await store().put('device/token', bytes('first'));
      expect(text(await store().get('device/token'))).toBe('first');
      await store().put('device/token', bytes('second'));
      expect(text(await store().get('device/token'))).toBe('second');
    });

    it('deletes a key, and deleting a missing key does nothing', async () => {
      await store().put('a', bytes('1'));
      await store().put('b', bytes('2'));
      await store().delete('a');
      expect(await store().get('a')).toBeUndefined();
      await store().delete('never-written');
      await store().delete('a');
      expect(text(await store().get('b'))).toBe('2');
    });

    it('keeps binary values exactly: every byte value, empty, 1 MiB, and only the bytes of a view', async () => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const big = Uint8Array.from({ length: 1024 * 1024 }, (_, i) => (i * 31 + 7) & 0xff);
      const backing = Uint8Array.from({ length: 100 }, (_, i) => i);
      await store().put('bin/all', all);
      await store().put('bin/empty', new Uint8Array(0));
      await store().batch([{ type: 'put', key: 'bin/big', value: big }]);
      await store().put('bin/view', backing.subarray(10, 15));

      expect(await store().get('bin/all')).toEqual(all);
      const empty = await store().get('bin/empty');
      expect(empty).toBeInstanceOf(Uint8Array);
      expect(empty?.byteLength).toBe(0);
      const gotBig = await store().get('bin/big');
      expect(gotBig?.byteLength).toBe(big.byteLength);
      expect(firstDifference(gotBig, big), 'first differing byte').toBe(-1);
      expect(Array.from((await store().get('bin/view')) ?? [])).toEqual([10, 11, 12, 13, 14]);
      const listed = await store().range('bin/');
      expect(listed.map(([key, value]) => [key, value.byteLength])).toEqual([
        ['bin/all', 256],
        ['bin/big', 1024 * 1024],
        ['bin/empty', 0],
        ['bin/view', 5],
      ]);
    });

    it('hands out plain Uint8Arrays that are independent copies', async () => {
      const source = bytes('hello');
      await store().put('copy/k', source);
      await store().batch([{ type: 'put', key: 'copy/b', value: source }]);
      source[0] = 0; // the caller reusing its buffer must not change what was stored
      const first = await store().get('copy/k');
      expect(first && Object.getPrototypeOf(first)).toBe(Uint8Array.prototype);
      expect(text(first)).toBe('hello');
      expect(text(await store().get('copy/b'))).toBe('hello');
      if (first) first[0] = 0;
      const [[, listed] = ['', new Uint8Array()]] = await store().range('copy/k');
      expect(Object.getPrototypeOf(listed)).toBe(Uint8Array.prototype);
      listed[1] = 0;
      const again = await store().get('copy/k');
      expect(again).not.toBe(first);
      expect(text(again)).toBe('hello');
    });

    it('applies a batch in order: put then delete leaves nothing, delete then put leaves the value', async () => {
      await store().put('seq/old', bytes('old'));
      await store().batch([
        { type: 'put', key: 'seq/a', value: bytes('1') },
        { type: 'del', key: 'seq/a' },
        { type: 'del', key: 'seq/b' },
        { type: 'put', key: 'seq/b', value: bytes('2') },
        { type: 'put', key: 'seq/c', value: bytes('3') },
        { type: 'put', key: 'seq/c', value: bytes('4') },
        { type: 'del', key: 'seq/old' },
      ]);
      expect(await store().get('seq/a')).toBeUndefined();
      expect(text(await store().get('seq/b'))).toBe('2');
      expect(text(await store().get('seq/c'))).toBe('4');
      expect(await store().get('seq/old')).toBeUndefined();
      await store().batch([]);
      expect(text(await store().get('seq/b'))).toBe('2');
    });

    it('writes nothing from a batch that holds an invalid op', async () => {
      await store().put('outbox/1', bytes('kept'));
      const good = { type: 'put', key: 'outbox/2', value: bytes('new') } as const;
      await expectRejects(
        () => store().batch([{ type: 'put', key: 'outbox/1', value: bytes('changed') }, good, { type: 'put', key: '', value: bytes('x') }]),
        ErrorCode.BAD_REQUEST,
      );
      await expectRejects(
        () => store().batch([good, { type: 'put', key: 'outbox/3', value: 'not bytes' as unknown as Uint8Array }]),
        ErrorCode.BAD_REQUEST,
      );
      await expectRejects(
        () => store().batch([good, { type: 'del', key: 'outbox/1' }, { type: 'wipe', key: 'outbox/1' } as never]),
        ErrorCode.BAD_REQUEST,
      );
      expect(text(await store().get('outbox/1'))).toBe('kept');
      expect(await store().range('outbox/')).toHaveLength(1);
    });

    for (const [label, key] of INVALID_KEYS) {
      it(`rejects a key with ${label} as BAD_REQUEST, writing nothing`, async () => {
        const k = key as string;
        await expectRejects(() => store().get(k), ErrorCode.BAD_REQUEST);
        const err = await expectRejects(() => store().put(k, bytes('v')), ErrorCode.BAD_REQUEST);
        if (typeof key === 'string' && key.length > 0) expect(err.message).not.toContain(key);
        await expectRejects(() => store().delete(k), ErrorCode.BAD_REQUEST);
        await expectRejects(() => store().batch([{ type: 'del', key: k }]), ErrorCode.BAD_REQUEST);
        expect(await store().range('')).toEqual([]);
      });
    }

    it('accepts the edges of the key rules: one space, tilde, 512 characters', async () => {
      const long = `k/${'x'.repeat(510)}`;
      for (const key of [' ', '~', long]) await store().put(key, bytes(key.slice(0, 3)));
      expect(text(await store().get(' '))).toBe(' ');
      expect(text(await store().get('~'))).toBe('~');
      expect(text(await store().get(long))).toBe('k/x');
    });

    it('rejects non-bytes values as BAD_REQUEST', async () => {
      await expectRejects(() => store().put('v', 'text' as unknown as Uint8Array), ErrorCode.BAD_REQUEST);
      await expectRejects(() => store().put('v', [1, 2] as unknown as Uint8Array), ErrorCode.BAD_REQUEST);
      expect(await store().get('v')).toBeUndefined();
    });

    it('applies calls in the order they were issued, even without awaiting each', async () => {
      const s = store();
      const done = [s.put('o', bytes('1')), s.put('o', bytes('2'))];
      const afterTwo = s.get('o');
      done.push(s.delete('o'));
      const afterDelete = s.get('o');
      done.push(s.batch([{ type: 'put', key: 'o', value: bytes('3') }]));
      const afterBatch = s.range('o');
      await Promise.all(done);
      expect(text(await afterTwo)).toBe('2');
      expect(await afterDelete).toBeUndefined();
      expect((await afterBatch).map(([k, v]) => [k, text(v)])).toEqual([['o', '3']]);
    });

    it('rejects every call after close with UNAVAILABLE, and closing twice is fine', async () => {
      const s = store();
      await s.put('k', bytes('v'));
      await s.close();
      await s.close();
      await expectRejects(() => s.get('k'), ErrorCode.UNAVAILABLE);
      await expectRejects(() => s.put('k', bytes('v')), ErrorCode.UNAVAILABLE);
      await expectRejects(() => s.delete('k'), ErrorCode.UNAVAILABLE);
      await expectRejects(() => s.range(''), ErrorCode.UNAVAILABLE);
      await expectRejects(() => s.batch([]), ErrorCode.UNAVAILABLE);
    });

    it('keeps data across close and reopen', async (ctx) => {
      const { reopen } = current();
      if (!reopen) return ctx.skip('this adapter keeps nothing once closed');
      const s = store();
      await s.put('keep/1', bytes('one'));
      await s.put('keep/gone', bytes('x'));
      await s.batch([
        { type: 'put', key: 'keep/2', value: bytes('two') },
        { type: 'del', key: 'keep/gone' },
      ]);
      await s.close();
      const again = await reopen();
      try {
        expect(text(await again.get('keep/1'))).toBe('one');
        expect((await again.range('keep/')).map(([k, v]) => [k, text(v)])).toEqual([
          ['keep/1', 'one'],
          ['keep/2', 'two'],
        ]);
        await again.put('keep/3', bytes('three'));
        expect(text(await again.get('keep/3'))).toBe('three');
      } finally {
        await again.close();
      }
    });

    rangeContract(store);
  });
}
