// Helpers shared by this module's tests: deterministic byte patterns and the code of a thrown MekongError.
import { MekongError } from '@mekong/schema';

/** `n` bytes counting up from `start` (mod 256): readable fixed seeds, keys and nonces. */
export function seq(start: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
}

/** The MekongError code `fn` throws, 'NO_THROW' if it returns, or 'NOT_MEKONG: …' for any other error. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof MekongError ? err.code : `NOT_MEKONG: ${String(err)}`;
  }
  return 'NO_THROW';
}

/** A copy of `bytes` with bit `bit` of byte `index` flipped. */
export function flipBit(bytes: Uint8Array, index: number, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] ?? 0) ^ (1 << bit);
  return copy;
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
