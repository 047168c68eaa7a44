// The storage port of client-core: a small ordered key-value store, bytes in and out, that keeps everything a device remembers.

/** One write inside an atomic {@link StoragePort.batch}. */
export type StorageOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

/**
 * Narrows a {@link StoragePort.range} call. `after` and `before` are exclusive bounds on the
 * full key (for pagination: pass the last key of the previous page); they intersect the prefix.
 */
export interface RangeOptions {
  /** Most entries to return; unlimited when omitted. A non-negative integer. */
  limit?: number;
  /** Descending key order (the newest entries first when keys end in a padded counter). */
  reverse?: boolean;
  /** Only keys strictly greater than this one. */
  after?: string;
  /** Only keys strictly smaller than this one. */
  before?: string;
}

/**
 * What the sync engine needs from a device's storage. Keys are 1..512 printable ASCII characters
 * (0x20-0x7e) ordered by plain code-unit order; values are bytes (empty allowed). Every returned
 * value is a fresh `Uint8Array` the caller may keep or mutate. Invalid input rejects with
 * `BAD_REQUEST`; any call after `close()` rejects with `UNAVAILABLE`. Calls issued one after another
 * take effect in that order, even without awaiting each one.
 */
export interface StoragePort {
  /** The value under `key`, or `undefined` when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Store `value` under `key`, replacing what was there. */
  put(key: string, value: Uint8Array): Promise<void>;
  /** Remove `key`; removing a missing key does nothing. */
  delete(key: string): Promise<void>;
  /** Entries whose key starts with `prefix`, ascending by key (descending with `reverse`), at most `limit`. */
  range(prefix: string, opts?: RangeOptions): Promise<Array<[key: string, value: Uint8Array]>>;
  /** Apply `ops` in order, atomically: either all of them are stored or none. */
  batch(ops: StorageOp[]): Promise<void>;
  /** Release the underlying resources. Calling it again does nothing. */
  close(): Promise<void>;
}
