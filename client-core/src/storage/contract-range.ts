// The range half of the storage contract: prefix matching, key order, reverse, limit, pagination and a large batch.
import { ErrorCode } from '@mekong/schema';
import { expect, it } from 'vitest';
import { bytes, expectRejects, keysOf, pad, shuffled, text } from './contract-util';
import type { StoragePort } from './port';

async function putAll(storage: StoragePort, keys: readonly string[]): Promise<void> {
  await storage.batch(keys.map((key) => ({ type: 'put' as const, key, value: bytes(key) })));
}

/** Registers the range cases inside the enclosing contract suite; `store` yields the current case's storage. */
export function rangeContract(store: () => StoragePort): void {
  it('returns exactly the keys under a prefix', async () => {
    const keys = ['a', 'a/', 'a//', 'a/x', 'a/x/y', 'a/~', 'a0', 'a.', 'b/', 'A/', '`', 'z~', 'z~a', 'z~~', 'z}', '{'];
    await putAll(store(), shuffled(keys));
    const entries = await store().range('a/');
    expect(keysOf(entries)).toEqual(['a/', 'a//', 'a/x', 'a/x/y', 'a/~']);
    expect(entries.map(([, value]) => text(value))).toEqual(keysOf(entries));
    // A prefix ending in the highest printable character still has a correct upper bound.
    expect(keysOf(await store().range('z~'))).toEqual(['z~', 'z~a', 'z~~']);
    expect(keysOf(await store().range('a/x/'))).toEqual(['a/x/y']);
    expect(await store().range('nothing/')).toEqual([]);
    expect(await store().range('')).toHaveLength(keys.length);
  });

  it('orders keys by plain code units, not by locale or number', async () => {
    const expected = [' ', '0', '9', 'A', 'Z', '_', 'a', 'a b', 'a!', 'aa', 'a~', 'b', 'k/1', 'k/10', 'k/2', '~'];
    for (const key of shuffled(expected, 3)) await store().put(key, bytes(key));
    expect(keysOf(await store().range(''))).toEqual(expected);
    expect(keysOf(await store().range('', { reverse: true }))).toEqual([...expected].reverse());
  });

  it('limits and reverses', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `l/${pad(i, 2)}`);
    await putAll(store(), shuffled(keys));
    await store().put('l0', bytes('outside'));
    await store().put('m/00', bytes('outside'));
    expect(keysOf(await store().range('l/', { limit: 3 }))).toEqual(['l/00', 'l/01', 'l/02']);
    expect(keysOf(await store().range('l/', { limit: 3, reverse: true }))).toEqual(['l/09', 'l/08', 'l/07']);
    expect(keysOf(await store().range('l/', { reverse: true }))).toEqual([...keys].reverse());
    expect(keysOf(await store().range('l/', { limit: 100 }))).toEqual(keys);
    expect(await store().range('l/', { limit: 0 })).toEqual([]);
  });

  it('narrows with exclusive after/before bounds, intersected with the prefix', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `l/${pad(i, 2)}`);
    await putAll(store(), [...keys, 'l', 'l0', 'k/99', 'm/00']);
    const ks = (opts: Parameters<StoragePort['range']>[1]) => store().range('l/', opts).then(keysOf);
    expect(await ks({ after: 'l/03', before: 'l/07' })).toEqual(['l/04', 'l/05', 'l/06']);
    expect(await ks({ after: 'l/03', before: 'l/07', reverse: true })).toEqual(['l/06', 'l/05', 'l/04']);
    expect(await ks({ after: 'l/03', before: 'l/07', reverse: true, limit: 2 })).toEqual(['l/06', 'l/05']);
    expect(await ks({ after: 'l/035' })).toEqual(keys.slice(4));
    expect(await ks({ before: 'l/02' })).toEqual(['l/00', 'l/01']);
    expect(await ks({ after: 'a' })).toEqual(keys); // below the prefix: the prefix bounds
    expect(await ks({ before: 'z' })).toEqual(keys); // above the prefix: the prefix bounds
    expect(await ks({ after: 'l/09' })).toEqual([]);
    expect(await ks({ after: 'm' })).toEqual([]);
    expect(await ks({ before: 'l/' })).toEqual([]);
    expect(await ks({ after: 'l/05', before: 'l/05' })).toEqual([]);
    expect(await ks({ after: 'l/06', before: 'l/04' })).toEqual([]);
  });

  it('pages through 1,000 keys 37 at a time, each key exactly once, both directions', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `page/${pad(i)}`);
    await putAll(store(), [...shuffled(keys), 'page', 'page0', 'page.', 'pagf/0', 'pag']);

    const walk = async (reverse: boolean): Promise<string[]> => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const bound = cursor === undefined ? {} : reverse ? { before: cursor } : { after: cursor };
        const page = keysOf(await store().range('page/', { limit: 37, reverse, ...bound }));
        if (page.length === 0) return seen;
        expect(page.length === 37 || seen.length + page.length === 1000).toBe(true);
        seen.push(...page);
        cursor = page[page.length - 1];
      }
      throw new Error('pagination did not terminate');
    };

    const forward = await walk(false);
    expect(forward).toEqual(keys);
    expect(new Set(forward).size).toBe(1000);
    const backward = await walk(true);
    expect(backward).toEqual([...keys].reverse());
  });

  it('stores 10,000 puts in one batch and returns the latest 50 by reverse range', async () => {
    const prefix = 'conv/c1/upd/';
    const ops = shuffled(Array.from({ length: 10_000 }, (_, i) => i)).map((i) => ({
      type: 'put' as const,
      key: `${prefix}${pad(i, 8)}`,
      value: bytes(`update ${i}`),
    }));
    ops.push({ type: 'put', key: 'conv/c10/upd/00000000', value: bytes('other conversation') });
    ops.push({ type: 'put', key: 'conv/c1/upe', value: bytes('neighbour') });
    await store().batch(ops);

    const latest = await store().range(prefix, { reverse: true, limit: 50 });
    const expected = Array.from({ length: 50 }, (_, i) => 9999 - i);
    expect(keysOf(latest)).toEqual(expected.map((i) => `${prefix}${pad(i, 8)}`));
    expect(latest.map(([, value]) => text(value))).toEqual(expected.map((i) => `update ${i}`));
    expect(keysOf(await store().range(prefix, { limit: 2 }))).toEqual([`${prefix}00000000`, `${prefix}00000001`]);
    expect(await store().range(prefix)).toHaveLength(10_000);
  });

  it('rejects bad range arguments as BAD_REQUEST', async () => {
    const s = store();
    await expectRejects(() => s.range('tin-nhắn/'), ErrorCode.BAD_REQUEST);
    await expectRejects(() => s.range('p'.repeat(513)), ErrorCode.BAD_REQUEST);
    await expectRejects(() => s.range('p/', { limit: -1 }), ErrorCode.BAD_REQUEST);
    await expectRejects(() => s.range('p/', { limit: 1.5 }), ErrorCode.BAD_REQUEST);
    await expectRejects(() => s.range('p/', { limit: Number.NaN }), ErrorCode.BAD_REQUEST);
    await expectRejects(() => s.range('p/', { after: 'p/\n' }), ErrorCode.BAD_REQUEST);
    await expectRejects(() => s.range('p/', { before: 'p/é' }), ErrorCode.BAD_REQUEST);
  });
}
