// Small helpers shared by the storage contract suite's files.
import { type ErrorCode, MekongError } from '@mekong/schema';
import { expect } from 'vitest';
import type { StoragePort } from './port';

/** What each contract case gets: a fresh storage, and optionally a way to open the same data again after closing it. */
export interface StorageContractFixture {
  storage: StoragePort;
  reopen?: () => Promise<StoragePort>;
  teardown: () => Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of `text`. @example await storage.put('k', bytes('hello')); */
export const bytes = (text: string): Uint8Array => encoder.encode(text);

/** `text` decoded from UTF-8, or undefined for an absent value. @example expect(text(await storage.get('k'))).toBe('hello'); */
export const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : decoder.decode(value);

/** Zero-padded decimal, so numeric order matches key order. @example pad(7, 8); // '00000007' */
export const pad = (n: number, width = 4): string => String(n).padStart(width, '0');

/**
 * Asserts that `call` returns a promise (never throws synchronously) that rejects with a MekongError of `code`.
 * @example await expectRejects(() => storage.get(''), ErrorCode.BAD_REQUEST);
 */
export async function expectRejects(call: () => Promise<unknown>, code: ErrorCode): Promise<MekongError> {
  const pending = call();
  expect(pending).toBeInstanceOf(Promise);
  const outcome = await pending.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(outcome, 'the call should have been rejected').toBeInstanceOf(MekongError);
  expect((outcome as MekongError).code).toBe(code);
  return outcome as MekongError;
}

/**
 * Index of the first byte where `a` and `b` differ (a length mismatch counts), or -1 when equal. Fast on megabytes, unlike deep equality.
 * @example expect(firstDifference(got, sent)).toBe(-1);
 */
export function firstDifference(a: Uint8Array | undefined, b: Uint8Array): number {
  if (a === undefined) return 0;
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.byteLength === b.byteLength ? -1 : n;
}

/** Deterministic shuffle (seeded LCG), so failures reproduce. @example shuffled(['a', 'b', 'c'], 3); */
export function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The keys of a range result, for compact assertions. @example keysOf(await storage.range('a/')); // ['a/1', 'a/2'] */
export const keysOf = (entries: Array<[string, Uint8Array]>): string[] => entries.map(([key]) => key);
