// The IndexedDB storage adapter for browsers: one object store of string keys and byte values.
import { ErrorCode, MekongError } from '@mekong/schema';
import { openIndexedDb, requestResult, transactionDone } from './idb-open';
import { asBytes, type KeyRangeFactory, readRange } from './idb-range';
import type { RangeOptions, StorageOp, StoragePort } from './port';
import {
  assertBytes,
  assertKey,
  assertOps,
  closedError,
  copyBytes,
  resolveRange,
  storageFailure,
} from './rules';

const STORE = 'kv';
const VERSION = 1;

export type { KeyRangeFactory } from './idb-range';

/**
 * Opens (creating if needed) the storage in IndexedDB database `dbName`, using `keyRange` for range
 * queries when given. Prefer {@link createIndexedDbStorage}; this form exists so that a factory from
 * another implementation can be paired with its own key ranges.
 *
 * @example
 * const storage = await openIndexedDbStorage('mekong-test', new FakeFactory(), FakeKeyRange);
 */
export async function openIndexedDbStorage(
  dbName: string,
  idb: IDBFactory | undefined,
  keyRange?: KeyRangeFactory,
): Promise<StoragePort> {
  if (typeof dbName !== 'string' || dbName.length === 0) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'The IndexedDB storage needs a database name.');
  }
  if (idb === undefined || idb === null) {
    throw new MekongError(ErrorCode.UNAVAILABLE, 'IndexedDB is not available here; pass an IDBFactory or use another storage.');
  }
  const db = await openIndexedDb(idb, dbName, VERSION, (fresh) => {
    if (!fresh.objectStoreNames.contains(STORE)) fresh.createObjectStore(STORE);
  });
  if (!db.objectStoreNames.contains(STORE)) {
    db.close();
    throw new MekongError(ErrorCode.UNAVAILABLE, 'The local database has an unexpected layout; clear site data and reload.');
  }
  let closedReason: string | undefined;

  // Another tab wants to upgrade or delete the database: step aside instead of blocking it forever.
  db.onversionchange = () => {
    closedReason = 'The local database was upgraded or deleted by another tab; reload to continue.';
    db.close();
  };
  // The browser closed the connection (site data cleared, disk failure).
  db.onclose = () => {
    closedReason ??= 'The local database connection was lost; reload to continue.';
  };

  /** Starts a transaction on the store, or throws UNAVAILABLE once the connection is gone. */
  const store = (mode: IDBTransactionMode): IDBObjectStore => {
    if (closedReason !== undefined) throw closedError(closedReason);
    try {
      return db.transaction(STORE, mode).objectStore(STORE);
    } catch (err) {
      throw storageFailure('The local database connection was lost; reload to continue.', err);
    }
  };

  /** Runs `apply` in one readwrite transaction and resolves once it commits; if `apply` throws part-way, nothing is kept. */
  const write = async (apply: (s: IDBObjectStore) => void): Promise<void> => {
    const s = store('readwrite');
    try {
      apply(s);
    } catch (err) {
      s.transaction.abort();
      throw storageFailure('Could not write to the local database; nothing was saved.', err);
    }
    await transactionDone(s.transaction);
  };

  // Each method validates and starts its transaction before its first await, so calls issued in
  // order get transactions in that order, which IndexedDB runs in order.
  return {
    async get(key: string) {
      if (closedReason !== undefined) throw closedError(closedReason);
      assertKey(key);
      const value = await requestResult(store('readonly').get(key));
      return value === undefined ? undefined : asBytes(value);
    },

    async put(key: string, value: Uint8Array) {
      if (closedReason !== undefined) throw closedError(closedReason);
      assertKey(key);
      assertBytes(value);
      // Copy: a view would serialize its whole underlying buffer, and a Buffer would not stay a plain array.
      const copy = copyBytes(value);
      await write((s) => s.put(copy, key));
    },

    async delete(key: string) {
      if (closedReason !== undefined) throw closedError(closedReason);
      assertKey(key);
      await write((s) => s.delete(key));
    },

    async range(prefix: string, opts?: RangeOptions) {
      if (closedReason !== undefined) throw closedError(closedReason);
      const bounds = resolveRange(prefix, opts);
      if (bounds === undefined) return [];
      return readRange(store('readonly'), bounds, keyRange);
    },

    async batch(ops: StorageOp[]) {
      if (closedReason !== undefined) throw closedError(closedReason);
      assertOps(ops);
      // One transaction: if any request fails, the transaction aborts and none of the ops is kept.
      await write((s) => {
        for (const op of ops) {
          if (op.type === 'put') s.put(copyBytes(op.value), op.key);
          else s.delete(op.key);
        }
      });
    },

    async close() {
      // Closing twice, or after another tab forced a close, is harmless.
      closedReason ??= 'This storage has been closed; open it again to keep reading or writing.';
      db.close();
    },
  };
}

/**
 * Opens (creating if needed) a storage kept in the IndexedDB database `dbName`. Uses the page's
 * `indexedDB` unless a factory is passed. Rejects with UNAVAILABLE when IndexedDB is missing, the
 * database belongs to a newer app version, or another tab blocks opening it.
 *
 * @example
 * const storage = await createIndexedDbStorage('mekong');
 * await storage.put('device/keys', sealedKeys);
 */
export async function createIndexedDbStorage(dbName: string, idb?: IDBFactory): Promise<StoragePort> {
  const pageFactory = pageIndexedDb();
  const factory = idb ?? pageFactory;
  // The page's own IDBKeyRange only works with the page's own factory; another factory falls back to cursor jumps.
  const keyRange = factory !== undefined && factory === pageFactory ? globalThis.IDBKeyRange : undefined;
  return openIndexedDbStorage(dbName, factory, keyRange);
}

/** The page's IndexedDB, if any. Reading it can throw (sandboxed frames, some private modes). */
function pageIndexedDb(): IDBFactory | undefined {
  try {
    return globalThis.indexedDB ?? undefined;
  } catch {
    return undefined;
  }
}
