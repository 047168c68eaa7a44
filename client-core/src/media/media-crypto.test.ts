// Media encryption: round trips whole and streamed at every chunk boundary, and every way of
// altering the ciphertext (bit flips, cuts, reordering, duplication, trailing bytes) refused with
// DECRYPT_FAILED and the reason.
import { ErrorCode, MekongError } from '@mekong/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cryptoReady } from '../crypto/sodium';
import { decryptMedia } from './decrypt';
import { encryptMedia } from './encrypt';
import { asMediaKey, encryptedMediaSize, ENCRYPTED_CHUNK_BYTES, MEDIA_CHUNK_BYTES, type MediaKey, PREFIX_BYTES } from './format';

await cryptoReady();

const KiB = 1024;

/** Deterministic, non-repeating-looking bytes (a cheap LCG), so failures reproduce. */
function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** `bytes` as a stream cut at the given lengths (repeated), 1 byte pieces included. */
function streamOf(bytes: Uint8Array, pieces: number[] = [7, 1, 65_536, 3_000, 70_001]): ReadableStream<Uint8Array> {
  let at = 0;
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const n = pieces[i++ % pieces.length] ?? 1;
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The reason of the DECRYPT_FAILED `fn` throws (or what else happened). */
function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof MekongError && err.code === ErrorCode.DECRYPT_FAILED) return String(err.details?.reason);
    return `other: ${err instanceof MekongError ? err.code : String(err)}`;
  }
  return 'no error';
}

async function streamReasonOf(stream: ReadableStream<Uint8Array>): Promise<string> {
  try {
    await collect(stream);
  } catch (err) {
    if (err instanceof MekongError && err.code === ErrorCode.DECRYPT_FAILED) return String(err.details?.reason);
    return `other: ${String(err)}`;
  }
  return 'no error';
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

// sizes around every boundary the format has: empty, one byte, one chunk exactly and either side of it, several chunks
const SIZES = [0, 1, 17, MEDIA_CHUNK_BYTES - 1, MEDIA_CHUNK_BYTES, MEDIA_CHUNK_BYTES + 1, 2 * MEDIA_CHUNK_BYTES, 3 * MEDIA_CHUNK_BYTES + 5, 1024 * KiB + 3];

describe('encryptMedia / decryptMedia round trip', () => {
  it.each(SIZES)('returns the file of %i bytes exactly, from a ciphertext of the announced size', (size) => {
    const file = pattern(size, size);
    const { key, ciphertext } = encryptMedia(file);
    expect(key).toHaveLength(32);
    expect(ciphertext.length).toBe(encryptedMediaSize(size));
    expect(same(decryptMedia(ciphertext, key), file)).toBe(true);
  });

  it.each(SIZES)('streams %i bytes through both directions in uneven pieces', async (size) => {
    const file = pattern(size, size + 1);
    const { key, ciphertext } = encryptMedia(streamOf(file));
    const encrypted = await collect(ciphertext);
    expect(encrypted.length).toBe(encryptedMediaSize(size));
    // stream-encrypted decrypts whole, and whole-encrypted decrypts as a stream: one format
    expect(same(decryptMedia(encrypted, key), file)).toBe(true);
    const whole = encryptMedia(file);
    expect(same(await collect(decryptMedia(streamOf(whole.ciphertext, [1, 30, 65_553, 100_000]), whole.key)), file)).toBe(true);
    expect(same(await collect(decryptMedia(streamOf(encrypted), key)), file)).toBe(true);
  });

  it('round-trips any size split into any pieces (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 300 * KiB }), fc.array(fc.integer({ min: 1, max: 90_000 }), { minLength: 1, maxLength: 6 }), async (size, pieces) => {
        const file = pattern(size, size * 31 + pieces.length);
        const { key, ciphertext } = encryptMedia(streamOf(file, pieces));
        const encrypted = await collect(ciphertext);
        expect(same(await collect(decryptMedia(streamOf(encrypted, pieces), key)), file)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('uses a fresh key and header every time and leaves no plaintext in the ciphertext', () => {
    const file = new TextEncoder().encode('ảnh chụp màn hình của Lan '.repeat(5000));
    const a = encryptMedia(file);
    const b = encryptMedia(file);
    expect(Buffer.compare(a.key, b.key)).not.toBe(0);
    expect(Buffer.compare(a.ciphertext.subarray(0, PREFIX_BYTES), b.ciphertext.subarray(0, PREFIX_BYTES))).not.toBe(0);
    expect(Buffer.from(a.ciphertext).includes(Buffer.from('chụp màn hình'))).toBe(false);
    expect(reasonOf(() => decryptMedia(a.ciphertext, b.key))).toBe('tampered');
  });

  it('refuses a key that is not 32 bytes with BAD_REQUEST', () => {
    const { ciphertext } = encryptMedia(pattern(10));
    expect(() => decryptMedia(ciphertext, new Uint8Array(31) as MediaKey)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => asMediaKey(new Uint8Array(33))).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});

describe('altered media is refused with DECRYPT_FAILED', () => {
  // three chunks: two full ones and a short final one
  const file = pattern(2 * MEDIA_CHUNK_BYTES + 1000, 42);
  const { key, ciphertext } = encryptMedia(file);
  const chunkAt = (i: number) => PREFIX_BYTES + i * ENCRYPTED_CHUNK_BYTES;
  const chunks = [0, 1, 2].map((i) => ciphertext.subarray(chunkAt(i), i < 2 ? chunkAt(i + 1) : ciphertext.length));
  const prefix = ciphertext.subarray(0, PREFIX_BYTES);
  const build = (...parts: Uint8Array[]) => Buffer.concat(parts);
  const flip = (at: number) => {
    const copy = ciphertext.slice();
    copy[at] = (copy[at] ?? 0) ^ 0x01;
    return copy;
  };

  it('refuses a changed byte anywhere: version, header, chunk body, tag or MAC', () => {
    expect(reasonOf(() => decryptMedia(flip(0), key))).toBe('format');
    const places = [1, 12, 24, PREFIX_BYTES, PREFIX_BYTES + 1, chunkAt(1) - 1, chunkAt(1) + 500, chunkAt(2), ciphertext.length - 1];
    for (const at of places) expect(reasonOf(() => decryptMedia(flip(at), key)), `byte ${at}`).toBe('tampered');
  });

  it('refuses media cut short: at a chunk boundary, inside a chunk, inside the header, or empty', () => {
    expect(reasonOf(() => decryptMedia(build(prefix, chunks[0]!, chunks[1]!), key))).toBe('truncated');
    expect(reasonOf(() => decryptMedia(build(prefix, chunks[0]!), key))).toBe('truncated');
    expect(reasonOf(() => decryptMedia(build(prefix), key))).toBe('truncated');
    expect(reasonOf(() => decryptMedia(ciphertext.subarray(0, ciphertext.length - 1), key))).toBe('tampered');
    expect(reasonOf(() => decryptMedia(ciphertext.subarray(0, chunkAt(1) + 100), key))).toBe('tampered');
    expect(reasonOf(() => decryptMedia(ciphertext.subarray(0, 10), key))).toBe('truncated');
    expect(reasonOf(() => decryptMedia(new Uint8Array(0), key))).toBe('truncated');
  });

  it('refuses reordered, repeated or dropped chunks', () => {
    expect(reasonOf(() => decryptMedia(build(prefix, chunks[1]!, chunks[0]!, chunks[2]!), key))).toBe('tampered');
    expect(reasonOf(() => decryptMedia(build(prefix, chunks[0]!, chunks[0]!, chunks[1]!, chunks[2]!), key))).toBe('tampered');
    expect(reasonOf(() => decryptMedia(build(prefix, chunks[0]!, chunks[2]!), key))).toBe('tampered');
  });

  it('refuses anything after the final chunk, including a copy of it', () => {
    // after a short final chunk, extra bytes make that chunk fail its MAC
    expect(reasonOf(() => decryptMedia(build(ciphertext, new Uint8Array([0])), key))).toBe('tampered');
    expect(reasonOf(() => decryptMedia(build(ciphertext, chunks[2]!), key))).toBe('tampered');
    // a file of exactly one chunk ends on a full-size final chunk: whatever follows it is refused as such
    const one = encryptMedia(pattern(MEDIA_CHUNK_BYTES));
    expect(reasonOf(() => decryptMedia(build(one.ciphertext, new Uint8Array([0])), one.key))).toBe('trailing');
    expect(reasonOf(() => decryptMedia(build(one.ciphertext, one.ciphertext.subarray(PREFIX_BYTES)), one.key))).toBe('trailing');
  });

  it('refuses a chunk moved in from another file under another key', () => {
    const other = encryptMedia(pattern(file.length, 7));
    const foreign = other.ciphertext.subarray(chunkAt(1), chunkAt(2));
    expect(reasonOf(() => decryptMedia(build(prefix, chunks[0]!, foreign, chunks[2]!), key))).toBe('tampered');
  });

  it('errors a decrypting stream the same way, after releasing only verified chunks', async () => {
    expect(await streamReasonOf(decryptMedia(streamOf(build(prefix, chunks[0]!, chunks[1]!)), key))).toBe('truncated');
    expect(await streamReasonOf(decryptMedia(streamOf(flip(chunkAt(2) + 3)), key))).toBe('tampered');
    expect(await streamReasonOf(decryptMedia(streamOf(build(ciphertext, new Uint8Array(5))), key))).toBe('tampered');
    // what a truncated stream released before failing is a correct prefix of the file, never garbage
    const released: Uint8Array[] = [];
    const reader = decryptMedia(streamOf(build(prefix, chunks[0]!, chunks[1]!)), key).getReader();
    await expect(
      (async () => {
        for (let next = await reader.read(); !next.done; next = await reader.read()) released.push(next.value);
      })(),
    ).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    const got = Buffer.concat(released);
    expect(same(got, file.subarray(0, got.length))).toBe(true);
  });
});
