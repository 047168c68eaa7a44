// Rules every storage adapter shares, so they agree exactly: what a key may be, how a range is bounded, how bytes are copied.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { RangeOptions, StorageOp } from './port';

/** Longest key accepted, in characters (each one byte, since keys are ASCII). */
export const MAX_KEY_LENGTH = 512;

/**
 * One past the last printable ASCII character. Every key that starts with `p` is below `p + KEYS_END`
 * and every key below it that is not below `p` starts with `p`, so it is the exclusive upper bound of a prefix.
 */
const KEYS_END = '\x7f';

/** A range resolved to plain bounds: `lower` (inclusive unless `lowerOpen`) up to `upper` (always exclusive). */
export interface KeyBounds {
  lower: string;
  lowerOpen: boolean;
  upper: string;
  reverse: boolean;
  /** `Infinity` when the caller gave no limit. */
  limit: number;
}

function badRequest(message: string, details?: Record<string, unknown>): MekongError {
  return new MekongError(ErrorCode.BAD_REQUEST, message, details);
}

/** Throws BAD_REQUEST unless `text` is printable ASCII of `min`..512 characters. The text itself stays out of the error. */
function assertAscii(text: unknown, min: number, what: string): asserts text is string {
  if (typeof text !== 'string') throw badRequest(`The storage ${what} must be a string.`);
  if (text.length < min || text.length > MAX_KEY_LENGTH) {
    throw badRequest(`The storage ${what} must be ${min} to ${MAX_KEY_LENGTH} characters long.`, {
      length: text.length,
    });
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      throw badRequest(`The storage ${what} may only hold printable ASCII (0x20-0x7e); encode other data, e.g. as hex.`, {
        position: i,
      });
    }
  }
}

/**
 * Throws BAD_REQUEST unless `key` is 1..512 printable ASCII characters.
 * @example assertKey('conv/abc/seq'); // passes; assertKey('tin-nhắn') throws
 */
export function assertKey(key: unknown): asserts key is string {
  assertAscii(key, 1, 'key');
}

/**
 * Throws BAD_REQUEST unless `value` is a Uint8Array (any subclass).
 * @example assertBytes(new Uint8Array([1])); // passes; assertBytes('text') throws
 */
export function assertBytes(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw badRequest('A stored value must be a Uint8Array.');
}

/**
 * Validates every op before any is applied, so an invalid op anywhere in a batch writes nothing.
 * @example assertOps([{ type: 'del', key: 'outbox/1' }]);
 */
export function assertOps(ops: unknown): asserts ops is StorageOp[] {
  if (!Array.isArray(ops)) throw badRequest('A storage batch must be an array of operations.');
  for (const op of ops as unknown[]) {
    const { type, key, value } = (op ?? {}) as { type?: unknown; key?: unknown; value?: unknown };
    assertKey(key);
    if (type === 'put') assertBytes(value);
    else if (type !== 'del') throw badRequest("A storage batch operation must have type 'put' or 'del'.");
  }
}

/**
 * Turns a prefix plus options into plain bounds, or `undefined` when nothing can match. Throws BAD_REQUEST on bad input.
 * @example resolveRange('a/', { after: 'a/5' }); // { lower: 'a/5', lowerOpen: true, upper: 'a/\x7f', reverse: false, limit: Infinity }
 */
export function resolveRange(prefix: string, opts: RangeOptions = {}): KeyBounds | undefined {
  assertAscii(prefix, 0, 'range prefix');
  if (typeof opts !== 'object' || opts === null) throw badRequest('Range options must be an object.');
  const { limit, reverse, after, before } = opts;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw badRequest('A range limit must be a non-negative integer.');
  }
  if (reverse !== undefined && typeof reverse !== 'boolean') throw badRequest('The range reverse flag must be a boolean.');
  if (after !== undefined) assertAscii(after, 1, "range bound 'after'");
  if (before !== undefined) assertAscii(before, 1, "range bound 'before'");

  // `key > after` already implies `key >= prefix` when after >= prefix; otherwise the prefix is the tighter bound.
  const afterWins = after !== undefined && after >= prefix;
  const lower = afterWins ? after : prefix;
  const prefixEnd = prefix + KEYS_END;
  const upper = before !== undefined && before < prefixEnd ? before : prefixEnd;
  if (limit === 0 || lower >= upper) return undefined;
  return { lower, lowerOpen: afterWins, upper, reverse: reverse === true, limit: limit ?? Number.POSITIVE_INFINITY };
}

/**
 * A fresh, plain Uint8Array holding the same bytes (never a view on the source, never a subclass).
 * @example const mine = copyBytes(bufferFromDriver);
 */
export function copyBytes(source: Uint8Array): Uint8Array {
  const out = new Uint8Array(source.byteLength);
  out.set(source);
  return out;
}

/**
 * The error every adapter throws once it is closed.
 * @example if (closed) throw closedError();
 */
export function closedError(reason = 'This storage has been closed; open it again to keep reading or writing.'): MekongError {
  return new MekongError(ErrorCode.UNAVAILABLE, reason);
}

/**
 * Wraps a failure of the underlying engine (disk full, locked, corrupted) as UNAVAILABLE.
 * Only the engine's error name/code is kept: its message could quote keys or values.
 * @example throw storageFailure('Could not write the local database; free disk space or retry.', err);
 */
export function storageFailure(message: string, cause: unknown): MekongError {
  if (cause instanceof MekongError) return cause;
  const c = cause as { name?: unknown; code?: unknown } | null;
  const details: Record<string, unknown> = {};
  if (typeof c?.name === 'string') details.cause = c.name;
  if (typeof c?.code === 'string') details.code = c.code;
  return new MekongError(ErrorCode.UNAVAILABLE, message, details);
}
