import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from './binary';
import { fromBase64url, fromHex, randomId, toBase64url, toHex } from './encoding';
import { cryptoReady, sodium } from './sodium';
import { codeOf, seq } from './test-support';
import { asEpochKey, asSigningPublicKey } from './types';

await cryptoReady();

describe('base64url', () => {
  it('matches libsodium for every length from 0 to 70 and round-trips', () => {
    const s = sodium();
    for (let n = 0; n <= 70; n++) {
      const bytes = s.randombytes_buf(n);
      const encoded = toBase64url(bytes);
      expect(encoded).toBe(s.to_base64(bytes, s.base64_variants.URLSAFE_NO_PADDING));
      expect(fromBase64url(encoded)).toEqual(bytes);
    }
  });

  it('uses the URL-safe alphabet without padding', () => {
    expect(toBase64url(new Uint8Array([251, 255]))).toBe('-_8');
    expect(toBase64url(new Uint8Array([0xff, 0xff, 0xff]))).toBe('____');
  });

  it('throws BAD_REQUEST on anything but canonical base64url', () => {
    for (const bad of ['a', 'ab=', 'ab==', 'a+b/', 'ab c', 'é', 'ab\n', '-_9', 'ab']) {
      expect(codeOf(() => fromBase64url(bad)), bad).toBe('BAD_REQUEST');
    }
    expect(codeOf(() => fromBase64url(42 as unknown as string))).toBe('BAD_REQUEST');
    expect(fromBase64url('')).toEqual(new Uint8Array(0));
  });
});

describe('randomId', () => {
  it('is base64url of 16 random bytes by default, and unique', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(fromBase64url(id)).toHaveLength(16);
    expect(fromBase64url(randomId(32))).toHaveLength(32);
    expect(codeOf(() => randomId(0))).toBe('BAD_REQUEST');
  });

  it('never starts with "-", which a command line would take for an option (group ids are typed into mekong-chat)', () => {
    // one draw in 64 would: 10,000 draws all but surely meet one if nothing prevented it
    const ids = Array.from({ length: 10_000 }, () => randomId(12));
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    expect(new Set(ids.map((id) => id[0])).size).toBe(63);
  });
});

describe('hex and brands', () => {
  it('round-trips hex and checks key lengths', () => {
    expect(toHex(fromHex('00ff10'))).toBe('00ff10');
    expect(codeOf(() => fromHex('0'))).toBe('BAD_REQUEST');
    expect(codeOf(() => asEpochKey(seq(0, 31)))).toBe('BAD_REQUEST');
    expect(asSigningPublicKey(seq(0, 32))).toHaveLength(32);
  });
});

describe('ByteWriter / ByteReader', () => {
  it('round-trips varuints at the edges', () => {
    for (const v of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      const r = new ByteReader(new ByteWriter().varuint(v, 'v').finish(), 'test');
      expect(r.varuint()).toBe(v);
      r.end();
    }
  });

  it('rejects non-minimal, oversized and truncated varuints', () => {
    const read = (bytes: number[]) => () => new ByteReader(new Uint8Array(bytes), 'test').varuint();
    expect(codeOf(read([0x80, 0x00]))).toBe('MALFORMED_ENVELOPE');
    expect(codeOf(read([0x80]))).toBe('MALFORMED_ENVELOPE');
    expect(codeOf(read([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toBe('MALFORMED_ENVELOPE');
    expect(codeOf(read([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe('MALFORMED_ENVELOPE');
  });

  it('keeps strings exact, including a leading byte-order mark, and rejects invalid UTF-8', () => {
    const bom = '\ufeffx';
    expect(new ByteReader(new ByteWriter().string(bom, 's').finish(), 'test').string()).toBe(bom);
    expect(codeOf(() => new ByteReader(new Uint8Array([2, 0xc3, 0x28]), 'test').string())).toBe('MALFORMED_ENVELOPE');
    expect(codeOf(() => new ByteReader(new Uint8Array([0]), 'test').string())).toBe('MALFORMED_ENVELOPE');
  });
});
