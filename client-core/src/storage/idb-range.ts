// Reading a key range from an IndexedDB object store, for the IndexedDB storage adapter.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { KeyBounds } from './rules';
import { storageFailure } from './rules';

/** The part of `IDBKeyRange` the adapter uses. It must come from the same implementation as the factory. */
export type KeyRangeFactory = Pick<typeof IDBKeyRange, 'bound'>;

const READ_FAILED = 'Could not read the local database; reload and retry.';

/**
 * A stored value as bytes. Every read deserializes a new array, so it is already independent of the stored data.
 * @example const value = asBytes(request.result);
 */
export function asBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new MekongError(ErrorCode.INTERNAL, 'The local database holds a value that is not bytes; clear site data and sync again.');
}

/** Fetches keys and values in bulk (two requests in one transaction, so they describe the same records). */
function readAll(store: IDBObjectStore, query: IDBKeyRange, b: KeyBounds): Promise<Array<[string, Uint8Array]>> {
  return new Promise((resolve, reject) => {
    const count = Number.isFinite(b.limit) ? b.limit : undefined;
    const keys = store.getAllKeys(query, count);
    const values = store.getAll(query, count);
    const fail = (request: IDBRequest) => () => reject(storageFailure(READ_FAILED, request.error));
    keys.onerror = fail(keys);
    values.onerror = fail(values);
    values.onsuccess = () => {
      try {
        const out = keys.result.map((key, i): [string, Uint8Array] => [key as string, asBytes(values.result[i])]);
        resolve(b.reverse ? out.reverse() : out);
      } catch (err) {
        reject(err);
      }
    };
  });
}

/**
 * Walks a cursor over `bounds`, stopping once `limit` entries are read. Without a key range (a factory
 * whose IDBKeyRange is not reachable) the cursor starts at the store's end and jumps with
 * `continue(key)`, which costs one extra step and returns the same entries.
 */
function walk(store: IDBObjectStore, b: KeyBounds, query?: IDBKeyRange): Promise<Array<[string, Uint8Array]>> {
  return new Promise((resolve, reject) => {
    const out: Array<[string, Uint8Array]> = [];
    const request = store.openCursor(query, b.reverse ? 'prev' : 'next');
    const belowLower = (key: string) => key < b.lower || (b.lowerOpen && key === b.lower);
    request.onerror = () => reject(storageFailure(READ_FAILED, request.error));
    /** Takes one cursor position; true when the walk is over. */
    const step = (cursor: IDBCursorWithValue | null): boolean => {
      if (cursor === null) return true;
      const key = cursor.key as string;
      if (!b.reverse && belowLower(key)) key === b.lower ? cursor.continue() : cursor.continue(b.lower);
      else if (b.reverse && key >= b.upper) key === b.upper ? cursor.continue() : cursor.continue(b.upper);
      else if (key >= b.upper || belowLower(key)) return true;
      else {
        out.push([key, asBytes(cursor.value)]);
        // Not calling continue() ends the walk; the read-only transaction then finishes by itself.
        if (out.length >= b.limit) return true;
        cursor.continue();
      }
      return false;
    };
    request.onsuccess = () => {
      try {
        if (step(request.result)) resolve(out);
      } catch (err) {
        reject(err);
      }
    };
  });
}

/**
 * Entries of `store` within `bounds`, in the requested order. With a key range, ascending reads and
 * whole-range reads go in bulk (`getAll`); "the latest N" walks a `prev` cursor and stops after N.
 *
 * @example
 * const latest = await readRange(tx.objectStore('kv'), resolveRange('c/', { reverse: true, limit: 50 }) as KeyBounds, IDBKeyRange);
 */
export function readRange(store: IDBObjectStore, b: KeyBounds, keyRange?: KeyRangeFactory): Promise<Array<[string, Uint8Array]>> {
  if (keyRange === undefined) return walk(store, b);
  const query = keyRange.bound(b.lower, b.upper, b.lowerOpen, true);
  if (b.reverse && Number.isFinite(b.limit)) return walk(store, b, query);
  return readAll(store, query, b);
}
