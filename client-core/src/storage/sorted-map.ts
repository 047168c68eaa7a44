// An in-memory map from string keys to bytes that can list a key range in order quickly, for the memory adapter.
import type { KeyBounds } from './rules';

/** Below this many pending changes, splicing each into the sorted array beats rebuilding it. */
const SPLICE_LIMIT = 64;

/** First index whose key is >= `key` (or > `key` when `strict`). */
function search(keys: readonly string[], key: string, strict: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid] as string;
    if (k < key || (strict && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Merges two ascending arrays without duplicates between them. */
function merge(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) out[n++] = (a[i] as string) < (b[j] as string) ? (a[i++] as string) : (b[j++] as string);
  while (i < a.length) out[n++] = a[i++] as string;
  while (j < b.length) out[n++] = b[j++] as string;
  return out;
}

/**
 * Values live in a Map; order lives in a sorted key array. Writes only note which keys came and went,
 * and the array catches up on the next range read, so a 10,000-key batch costs one sort and one merge
 * instead of 10,000 array splices, while a single write between reads is still a cheap splice.
 *
 * @example
 * const map = new SortedMap();
 * map.set('a/1', new Uint8Array([1]));
 * map.range(resolveRange('a/') as KeyBounds); // [['a/1', Uint8Array [1]]]
 */
export class SortedMap {
  private readonly values = new Map<string, Uint8Array>();
  private sorted: string[] = [];
  /** Live keys not yet in `sorted`. */
  private readonly added = new Set<string>();
  /** Keys still in `sorted` that are no longer live. */
  private readonly removed = new Set<string>();

  get(key: string): Uint8Array | undefined {
    return this.values.get(key);
  }

  set(key: string, value: Uint8Array): void {
    if (!this.values.has(key)) {
      if (this.removed.has(key)) this.removed.delete(key);
      else this.added.add(key);
    }
    this.values.set(key, value);
  }

  delete(key: string): void {
    if (!this.values.delete(key)) return;
    if (this.added.has(key)) this.added.delete(key);
    else this.removed.add(key);
  }

  /** Entries within `bounds`, in the requested order, at most `bounds.limit` of them. */
  range(bounds: KeyBounds): Array<[string, Uint8Array]> {
    this.catchUp();
    const keys = this.sorted;
    const start = search(keys, bounds.lower, bounds.lowerOpen);
    const end = search(keys, bounds.upper, false);
    const out: Array<[string, Uint8Array]> = [];
    if (bounds.reverse) {
      const stop = Math.max(start, end - bounds.limit);
      for (let i = end - 1; i >= stop; i--) out.push(this.entry(keys[i] as string));
    } else {
      const stop = Math.min(end, start + bounds.limit);
      for (let i = start; i < stop; i++) out.push(this.entry(keys[i] as string));
    }
    return out;
  }

  private entry(key: string): [string, Uint8Array] {
    return [key, this.values.get(key) as Uint8Array];
  }

  /** Brings `sorted` in line with the live keys. */
  private catchUp(): void {
    if (this.removed.size > 0) {
      if (this.removed.size <= SPLICE_LIMIT) {
        for (const key of this.removed) this.sorted.splice(search(this.sorted, key, false), 1);
      } else {
        this.sorted = this.sorted.filter((key) => !this.removed.has(key));
      }
      this.removed.clear();
    }
    if (this.added.size > 0) {
      // Default sort compares UTF-16 code units, which for ASCII keys is byte order.
      const fresh = [...this.added].sort();
      this.added.clear();
      if (fresh.length <= SPLICE_LIMIT) {
        for (const key of fresh) this.sorted.splice(search(this.sorted, key, false), 0, key);
      } else {
        this.sorted = merge(this.sorted, fresh);
      }
    }
  }
}
