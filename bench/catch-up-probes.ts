// What the catch-up benchmark watches in the real client: the bytes and frames it receives, how long
// its storage calls take, and when the local message index first holds every expected message and
// when none of them is left with an unchecked author signature.
import { nodeTransport, type StorageOp, type StoragePort, type Transport } from '@mekong/client-core/node';

const now = () => performance.now();

export interface Wire {
  bytesDown: number;
  framesDown: number;
  firstAt: number;
  lastAt: number;
  keep?: Uint8Array[];
}

/**
 * The Node transport, counting what comes down (and keeping the frames when `wire.keep` is set).
 * @example const wire = { bytesDown: 0, framesDown: 0, firstAt: 0, lastAt: 0 }; createClient({ transport: countingTransport(wire), ... });
 */
export function countingTransport(wire: Wire): Transport {
  const inner = nodeTransport();
  return (url, handlers) =>
    inner(url, {
      ...handlers,
      onMessage(data) {
        wire.bytesDown += data.byteLength;
        wire.framesDown++;
        wire.lastAt = now();
        if (!wire.firstAt) wire.firstAt = wire.lastAt;
        wire.keep?.push(data);
        handlers.onMessage(data);
      },
    });
}

export interface StorageStats {
  ms: number;
  batches: number;
  /** message index keys present (seeded with the home's own) and those holding an unchecked entry */
  indexKeys: Set<string>;
  uncheckedKeys: Set<string>;
  expected: number;
  /** end of the batch after which the index first held every expected message */
  indexFullAt: number;
  /** end of the batch after which, the index being full, no entry was left unchecked */
  allCheckedAt: number;
}

const UNCHECKED_MARK = Buffer.from('"unchecked":');

/** Follows what a batch does to the message index: which keys exist, which hold unchecked entries. */
function watchIndex(stats: StorageStats, ops: StorageOp[]): void {
  let touched = false;
  for (const o of ops) {
    if (!o.key.startsWith('msg/')) continue;
    touched = true;
    if (o.type === 'del') {
      stats.indexKeys.delete(o.key);
      stats.uncheckedKeys.delete(o.key);
      continue;
    }
    stats.indexKeys.add(o.key);
    if (Buffer.from(o.value.buffer, o.value.byteOffset, o.value.byteLength).includes(UNCHECKED_MARK)) stats.uncheckedKeys.add(o.key);
    else stats.uncheckedKeys.delete(o.key);
  }
  if (!touched) return;
  const t = now();
  if (!stats.indexFullAt && stats.indexKeys.size >= stats.expected) stats.indexFullAt = t;
  if (stats.indexFullAt && !stats.allCheckedAt && stats.uncheckedKeys.size === 0) stats.allCheckedAt = t;
}

/**
 * Times every storage call (the SQLite adapter does its work synchronously inside the call) and
 * follows the message index through the batches.
 * @example const storage = timedStorage(createSqliteStorage(file), stats);
 */
export function timedStorage(inner: StoragePort, stats: StorageStats): StoragePort {
  const time = <T>(fn: () => Promise<T>): Promise<T> => {
    const t = now();
    const p = fn();
    stats.ms += now() - t;
    return p;
  };
  return {
    get: (k) => time(() => inner.get(k)),
    put: (k, v) => time(() => inner.put(k, v)),
    delete: (k) => time(() => inner.delete(k)),
    range: (p, o) => time(() => inner.range(p, o)),
    batch: (ops) => {
      const p = time(() => {
        stats.batches++;
        return inner.batch(ops);
      });
      watchIndex(stats, ops);
      return p;
    },
    close: () => inner.close(),
  };
}
