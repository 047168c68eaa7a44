// Runs the storage contract against the IndexedDB adapter (in-memory IndexedDB implementation) and checks connection life-cycle cases.
import { ErrorCode } from '@mekong/schema';
import { forceCloseDatabase, IDBFactory, IDBKeyRange, IDBObjectStore } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runStorageContract } from './contract';
import { bytes, expectRejects, text } from './contract-util';
import { openIndexedDb } from './idb-open';
import { createIndexedDbStorage, openIndexedDbStorage } from './indexeddb';

runStorageContract('indexeddb (key ranges)', async () => {
  const factory = new IDBFactory();
  const storage = await openIndexedDbStorage('mekong-test', factory, IDBKeyRange);
  return {
    storage,
    reopen: () => openIndexedDbStorage('mekong-test', factory, IDBKeyRange),
    teardown: () => storage.close(),
  };
});

// A factory that is not the page's own: no matching IDBKeyRange, so ranges use cursor jumps.
runStorageContract('indexeddb (cursor jumps)', async () => {
  const factory = new IDBFactory();
  const storage = await createIndexedDbStorage('mekong-test', factory);
  return { storage, reopen: () => createIndexedDbStorage('mekong-test', factory), teardown: () => storage.close() };
});

/** Resolves with a raw connection, for playing the part of another tab. */
function rawOpen(factory: IDBFactory, name: string, version?: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, version);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function rawDelete(factory: IDBFactory, name: string): Promise<'deleted' | 'blocked'> {
  return new Promise((resolve, reject) => {
    const request = factory.deleteDatabase(name);
    request.onsuccess = () => resolve('deleted');
    request.onblocked = () => resolve('blocked');
    request.onerror = () => reject(request.error);
  });
}

describe('indexeddb storage life cycle', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('rejects with UNAVAILABLE when there is no IndexedDB', async () => {
    expect(globalThis.indexedDB).toBeUndefined();
    await expectRejects(() => createIndexedDbStorage('mekong'), ErrorCode.UNAVAILABLE);
    await expectRejects(() => createIndexedDbStorage('', new IDBFactory()), ErrorCode.BAD_REQUEST);
  });

  it('rejects with UNAVAILABLE when a newer app version owns the database', async () => {
    const factory = new IDBFactory();
    (await rawOpen(factory, 'mekong', 5)).close();
    await expectRejects(() => createIndexedDbStorage('mekong', factory), ErrorCode.UNAVAILABLE);
  });

  it('rejects with UNAVAILABLE when the database has another layout', async () => {
    const factory = new IDBFactory();
    const foreign = await new Promise<IDBDatabase>((resolve) => {
      const request = factory.open('mekong', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('something-else');
      request.onsuccess = () => resolve(request.result);
    });
    foreign.close();
    await expectRejects(() => createIndexedDbStorage('mekong', factory), ErrorCode.UNAVAILABLE);
  });

  it('steps aside when another tab deletes the database, then rejects calls with UNAVAILABLE', async () => {
    const factory = new IDBFactory();
    const storage = await createIndexedDbStorage('mekong', factory);
    await storage.put('k', bytes('v'));
    expect(await rawDelete(factory, 'mekong')).toBe('deleted');
    await expectRejects(() => storage.get('k'), ErrorCode.UNAVAILABLE);
    await storage.close();
  });

  it('rejects calls with UNAVAILABLE after the browser closes the connection', async () => {
    const factory = new IDBFactory();
    let connection: IDBDatabase | undefined;
    const spy = vi.spyOn(factory, 'open').mockImplementation((name, version) => {
      const request = IDBFactory.prototype.open.call(factory, name, version);
      request.addEventListener('success', () => {
        connection = request.result;
      });
      return request;
    });
    const storage = await createIndexedDbStorage('mekong', factory);
    spy.mockRestore();
    forceCloseDatabase(connection as never);
    await expectRejects(() => storage.put('k', bytes('v')), ErrorCode.UNAVAILABLE);
  });

  it('rejects a blocked upgrade with UNAVAILABLE and leaves no hidden connection behind', async () => {
    const factory = new IDBFactory();
    const otherTab = await rawOpen(factory, 'mekong', 1); // ignores versionchange, like an old tab
    await expectRejects(() => openIndexedDb(factory, 'mekong', 2, (db) => db.createObjectStore('x')), ErrorCode.UNAVAILABLE);
    otherTab.close();
    // The late upgrade was aborted, so the database stays at version 1, and nothing blocks deleting it.
    const check = await rawOpen(factory, 'mekong');
    expect(check.version).toBe(1);
    check.close();
    expect(await rawDelete(factory, 'mekong')).toBe('deleted');
  });

  it('keeps nothing from a batch whose write fails inside IndexedDB', async () => {
    const storage = await openIndexedDbStorage('mekong', new IDBFactory(), IDBKeyRange);
    await storage.put('a', bytes('1'));
    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value, key) {
      if (key === 'boom') throw new DOMException('The value could not be stored.', 'DataCloneError');
      return put.call(this, value, key);
    });
    await expectRejects(
      () =>
        storage.batch([
          { type: 'put', key: 'a', value: bytes('changed') },
          { type: 'put', key: 'b', value: bytes('2') },
          { type: 'put', key: 'boom', value: bytes('3') },
        ]),
      ErrorCode.UNAVAILABLE,
    );
    vi.restoreAllMocks();
    expect(text(await storage.get('a'))).toBe('1');
    expect(await storage.get('b')).toBeUndefined();
    await storage.close();
  });
});
