// Runs the storage contract against the SQLite adapter, checks sharing a file between handles, and prints range timings.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode } from '@mekong/schema';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runStorageContract } from './contract';
import { bytes, expectRejects, keysOf, pad, text } from './contract-util';
import { openIndexedDbStorage } from './indexeddb';
import { createMemoryStorage } from './memory';
import type { StoragePort } from './port';
import { createSqliteStorage } from './sqlite';

runStorageContract('sqlite file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mekong-storage-'));
  const path = join(dir, 'device.sqlite');
  const storage = createSqliteStorage(path);
  return {
    storage,
    reopen: async () => createSqliteStorage(path),
    teardown: async () => {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

runStorageContract('sqlite :memory:', async () => {
  const storage = createSqliteStorage(':memory:');
  return { storage, teardown: () => storage.close() };
});

describe('sqlite storage', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mekong-storage-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lets two handles on one file see each other's committed writes", async () => {
    const path = join(dir, 'shared.sqlite');
    const a = createSqliteStorage(path);
    const b = createSqliteStorage(path);
    try {
      await a.put('seq/conv1', bytes('41'));
      expect(text(await b.get('seq/conv1'))).toBe('41');
      await b.batch([
        { type: 'put', key: 'seq/conv1', value: bytes('42') },
        { type: 'put', key: 'seq/conv2', value: bytes('7') },
      ]);
      expect((await a.range('seq/')).map(([k, v]) => [k, text(v)])).toEqual([
        ['seq/conv1', '42'],
        ['seq/conv2', '7'],
      ]);
      await a.delete('seq/conv2');
      expect(await b.get('seq/conv2')).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('rejects a path it cannot open with UNAVAILABLE', () => {
    expect(() => createSqliteStorage(join(dir, 'no-such-dir', 'x.sqlite'))).toThrowError(
      expect.objectContaining({ code: ErrorCode.UNAVAILABLE }),
    );
    expect(() => createSqliteStorage('')).toThrowError(expect.objectContaining({ code: ErrorCode.BAD_REQUEST }));
  });

  it('turns an engine failure into UNAVAILABLE and rolls the whole batch back', async () => {
    const path = join(dir, 'guarded.sqlite');
    const storage = createSqliteStorage(path);
    const raw = new Database(path);
    try {
      await storage.put('a', bytes('1'));
      // A trigger that fails the third insert makes the engine itself abort mid-batch.
      raw.exec("CREATE TRIGGER refuse BEFORE INSERT ON kv WHEN NEW.key = 'boom' BEGIN SELECT RAISE(ABORT, 'refused'); END");
      await expectRejects(
        () =>
          storage.batch([
            { type: 'put', key: 'a', value: bytes('changed') },
            { type: 'put', key: 'b', value: bytes('2') },
            { type: 'put', key: 'boom', value: bytes('3') },
          ]),
        ErrorCode.UNAVAILABLE,
      );
      expect(text(await storage.get('a'))).toBe('1');
      expect(await storage.get('b')).toBeUndefined();
      raw.exec('DROP TABLE kv');
      await expectRejects(() => storage.get('a'), ErrorCode.UNAVAILABLE);
    } finally {
      raw.close();
      await storage.close();
    }
  });
});

describe('latest 50 of 100,000 keys (timing, printed, not asserted)', () => {
  const prefix = 'conv/big/msg/';
  const count = 100_000;
  const ops = Array.from({ length: count }, (_, i) => ({
    type: 'put' as const,
    key: `${prefix}${pad(i, 8)}`,
    value: bytes(`encrypted update #${i} `.padEnd(100, '.')),
  }));
  // Neighbours on both sides of the prefix, so the bounds have work to do.
  ops.push({ type: 'put', key: 'conv/big/msg0', value: bytes('after') }, { type: 'put', key: 'conv/big/mse', value: bytes('before') });

  const measure = async (name: string, storage: StoragePort): Promise<void> => {
    try {
      const t0 = performance.now();
      await storage.batch(ops);
      const loadMs = performance.now() - t0;
      const t1 = performance.now();
      const first = await storage.range(prefix, { reverse: true, limit: 50 });
      const firstMs = performance.now() - t1;
      const runs: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        await storage.range(prefix, { reverse: true, limit: 50 });
        runs.push(performance.now() - t);
      }
      runs.sort((x, y) => x - y);
      expect(keysOf(first)[0]).toBe(`${prefix}${pad(count - 1, 8)}`);
      expect(keysOf(first)[49]).toBe(`${prefix}${pad(count - 50, 8)}`);
      console.log(
        `[storage timing] ${name}: batch of ${count} puts ${loadMs.toFixed(0)} ms; latest 50: first ${firstMs.toFixed(2)} ms, median of 20 ${(runs[10] ?? 0).toFixed(3)} ms`,
      );
    } finally {
      await storage.close();
    }
  };

  it('sqlite (file)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mekong-storage-'));
    try {
      await measure('sqlite file', createSqliteStorage(join(dir, 'big.sqlite')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('memory', async () => {
    await measure('memory', createMemoryStorage());
  });

  it('fake IndexedDB', async () => {
    await measure('fake IndexedDB', await openIndexedDbStorage('big', new IDBFactory(), IDBKeyRange));
  }, 120_000);
});
