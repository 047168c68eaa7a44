// The in-memory storage adapter: the reference implementation of the port, for tests, bots and sessions that keep nothing.
import type { RangeOptions, StorageOp, StoragePort } from './port';
import { assertBytes, assertKey, assertOps, closedError, copyBytes, resolveRange } from './rules';
import { SortedMap } from './sorted-map';

/**
 * Creates a storage that lives only as long as the process. Values are copied in and out,
 * so callers can never change stored bytes by mutating an array they passed or received.
 *
 * @example
 * const storage = createMemoryStorage();
 * await storage.put('conv/abc/seq', new Uint8Array([42]));
 * const latest = await storage.range('conv/abc/', { reverse: true, limit: 50 });
 */
export function createMemoryStorage(): StoragePort {
  const map = new SortedMap();
  let closed = false;

  const open = (): void => {
    if (closed) throw closedError();
  };

  return {
    async get(key: string) {
      open();
      assertKey(key);
      const value = map.get(key);
      return value === undefined ? undefined : copyBytes(value);
    },

    async put(key: string, value: Uint8Array) {
      open();
      assertKey(key);
      assertBytes(value);
      map.set(key, copyBytes(value));
    },

    async delete(key: string) {
      open();
      assertKey(key);
      map.delete(key);
    },

    async range(prefix: string, opts?: RangeOptions) {
      open();
      const bounds = resolveRange(prefix, opts);
      if (bounds === undefined) return [];
      return map.range(bounds).map(([key, value]): [string, Uint8Array] => [key, copyBytes(value)]);
    },

    async batch(ops: StorageOp[]) {
      open();
      assertOps(ops);
      // Nothing below can throw, so applying in place is all-or-nothing.
      for (const op of ops) {
        if (op.type === 'put') map.set(op.key, copyBytes(op.value));
        else map.delete(op.key);
      }
    },

    async close() {
      closed = true;
    },
  };
}
