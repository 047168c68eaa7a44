import { ErrorCode } from '@mekong/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../ports';
import { decodeBusMessage, encodeBusMessage } from './redis-codec';

const message = fc.oneof(
  fc.record(
    {
      kind: fc.constant('update' as const),
      seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      envelope: fc.uint8Array({ maxLength: 2048 }),
      origin: fc.string({ unit: 'grapheme', maxLength: 64 }),
      publishedAt: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    },
    { requiredKeys: ['kind', 'seq', 'envelope', 'origin'] },
  ),
  fc.record({
    kind: fc.constant('ephemeral' as const),
    envelope: fc.uint8Array({ maxLength: 2048 }),
    origin: fc.string({ unit: 'grapheme', maxLength: 64 }),
  }),
);

describe('bus message bytes', () => {
  it('round-trips any message', () => {
    fc.assert(
      fc.property(message, (msg: BusMessage) => {
        expect(decodeBusMessage(encodeBusMessage(msg))).toEqual(msg);
      }),
      { numRuns: 500 },
    );
  });

  it('is compact: header, origin and envelope, nothing more', () => {
    const envelope = new Uint8Array(1000).fill(7);
    const bytes = encodeBusMessage({ kind: 'update', seq: 42, envelope, origin: '6f1c0b1e-4b7a-4c1e-9d7e-2a1f3b5c7d9e' });
    expect(bytes.byteLength).toBe(12 + 36 + 1000);
    expect([...bytes.subarray(0, 12)]).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 42, 0, 36]);
  });

  it('writes version 2 only for an update with a publish time, and reads both versions', () => {
    const envelope = new Uint8Array([5, 6]);
    const v2 = encodeBusMessage({ kind: 'update', seq: 42, envelope, origin: 'ab', publishedAt: 1_700_000_000_123 });
    expect(v2.byteLength).toBe(20 + 2 + 2);
    // version, kind, seq, publishedAt (0x18B_CFE5_687B = 1_700_000_000_123), origin length
    expect([...v2.subarray(0, 20)]).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x7b, 0, 2]);
    expect(decodeBusMessage(v2)).toEqual({ kind: 'update', seq: 42, envelope, origin: 'ab', publishedAt: 1_700_000_000_123 });
    // what a relay without metrics (or an older relay) publishes still decodes, without a publish time
    const v1 = Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 0, 42, 0, 2, 0x61, 0x62, 5, 6]);
    expect(decodeBusMessage(v1)).toEqual({ kind: 'update', seq: 42, envelope, origin: 'ab' });
    expect(encodeBusMessage({ kind: 'update', seq: 42, envelope, origin: 'ab' })).toEqual(Buffer.from(v1));
  });

  it('hands out an envelope that later changes to the payload cannot touch', () => {
    const payload = encodeBusMessage({ kind: 'ephemeral', envelope: new Uint8Array([1, 2, 3]), origin: 'o' });
    const msg = decodeBusMessage(payload);
    payload.fill(0);
    expect([...msg.envelope]).toEqual([1, 2, 3]);
  });

  it('refuses truncated, unknown or out-of-range payloads with MALFORMED_FRAME', () => {
    const good = encodeBusMessage({ kind: 'update', seq: 5, envelope: new Uint8Array([9]), origin: 'abc' });
    const variants: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array()],
      ['header cut', good.subarray(0, 11)],
      ['origin cut', good.subarray(0, 13)],
      ['version 3', Uint8Array.from(good, (b, i) => (i === 0 ? 3 : b))],
      ['v2 header cut', encodeBusMessage({ kind: 'update', seq: 5, envelope: new Uint8Array(), origin: '', publishedAt: 1 }).subarray(0, 19)],
      ['v2 ephemeral', Uint8Array.from(encodeBusMessage({ kind: 'update', seq: 5, envelope: new Uint8Array(), origin: '', publishedAt: 1 }), (b, i) => (i === 1 ? 2 : b))],
      ['kind 9', Uint8Array.from(good, (b, i) => (i === 1 ? 9 : b))],
      ['seq 0 update', Uint8Array.from(good, (b, i) => (i === 9 ? 0 : b))],
      ['seq past 2^53', Uint8Array.from(good, (b, i) => (i === 2 ? 0xff : b))],
      ['origin not UTF-8', Uint8Array.from(good, (b, i) => (i === 12 ? 0xff : b))],
    ];
    for (const [why, bytes] of variants) {
      expect(() => decodeBusMessage(bytes), why).toThrow(expect.objectContaining({ code: ErrorCode.MALFORMED_FRAME }));
    }
  });

  it('refuses to encode what it could not decode', () => {
    expect(() => encodeBusMessage({ kind: 'update', seq: 2 ** 53, envelope: new Uint8Array(), origin: '' })).toThrow();
    expect(() => encodeBusMessage({ kind: 'update', seq: 1, envelope: new Uint8Array(), origin: 'x'.repeat(70_000) })).toThrow();
    expect(() => encodeBusMessage({ kind: 'update', seq: 1, envelope: new Uint8Array(), origin: '', publishedAt: -1 })).toThrow();
  });
});
