import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameUnion } from './codec/union';
import { DOWN_FRAMES, decodeDown, type Down, encodeCheckedDown, encodeDown } from './down';
import { ErrorCode, MekongError } from './errors';
import { MAX_FRAME_BYTES, MAX_ID_BYTES, MAX_UPDATE_BYTES } from './limits';
import { decodeUp, encodeUp, type Up } from './up';

const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);

const ups: Up[] = [
  { type: 'auth', protocol: 1, token: 'eyJhbGciOi.x.y' },
  { type: 'subscribe', conv: 'c_1', after: 0 },
  { type: 'subscribe', conv: 'c_1', after: 2 ** 40 },
  { type: 'unsubscribe', conv: 'c_1' },
  { type: 'push', conv: 'c_1', counter: 17, envelope: bytes(300) },
  { type: 'put-snapshot', conv: 'c_1', seq: 99, envelope: bytes(5000) },
  { type: 'ephemeral', conv: 'c_1', envelope: bytes(40) },
  { type: 'ping', id: 3 },
];
const downs: Down[] = [
  { type: 'welcome', protocol: 1, user: 'u1', device: 'd1', expiresAt: Date.now() },
  { type: 'ack', conv: 'c', counter: 1, seq: 1 },
  { type: 'update', conv: 'c', seq: 2, envelope: bytes(10) },
  { type: 'snapshot', conv: 'c', seq: 3, envelope: bytes(10) },
  { type: 'synced', conv: 'c', head: 3 },
  { type: 'ephemeral', conv: 'c', envelope: bytes(1) },
  { type: 'error', code: 'NOT_MEMBER', message: 'you are not a member of this conversation', conv: 'c' },
  { type: 'error', code: 'RATE_LIMITED', message: 'slow down' },
  { type: 'pong', id: 3 },
  { type: 'unsubscribed', conv: 'c', code: 'NOT_MEMBER' },
  { type: 'joined', conv: 'g_nhóm-bạn' },
  { type: 'changed', conv: 'g_nhóm-bạn' },
];

function expectTyped(fn: () => unknown, codes: string[] = [ErrorCode.MALFORMED_FRAME, ErrorCode.FRAME_TOO_LARGE]) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MekongError);
    expect(codes).toContain((err as MekongError).code);
    return;
  }
  throw new Error('expected a typed error');
}

describe('frame codec', () => {
  it('round-trips every up and down frame', () => {
    for (const f of ups) expect(decodeUp(encodeUp(f))).toEqual(f);
    for (const f of downs) expect(decodeDown(encodeDown(f))).toEqual(f);
    // the unchecked encoder (for values checked on the way in) writes the very same bytes
    for (const f of downs) expect(encodeCheckedDown(f)).toEqual(encodeDown(f));
  });

  it('is compact: a 300-byte push costs under 10 bytes of framing', () => {
    const frame = encodeUp({ type: 'push', conv: 'c_abcdefgh', counter: 1000, envelope: bytes(300) });
    expect(frame.length - 300).toBeLessThan(20);
  });

  it('refuses to encode values that break the schema', () => {
    expectTyped(() => encodeUp({ type: 'push', conv: 'c', counter: -1, envelope: bytes(1) }));
    expectTyped(() => encodeUp({ type: 'push', conv: 'c', counter: 1, envelope: bytes(MAX_UPDATE_BYTES + 1) }));
    expectTyped(() => encodeUp({ type: 'subscribe', conv: 'x'.repeat(129), after: 0 }));
  });

  it('rejects truncations of every frame with a typed error', () => {
    for (const f of ups) {
      const b = encodeUp(f);
      for (let n = 0; n < b.length; n++) expectTyped(() => decodeUp(b.subarray(0, n)));
    }
  });

  it('rejects trailing bytes, unknown tags, bad utf-8 and lying length prefixes', () => {
    const b = encodeUp({ type: 'unsubscribe', conv: 'ab' });
    expectTyped(() => decodeUp(new Uint8Array([...b, 0])));
    expectTyped(() => decodeUp(new Uint8Array([200, 1, 2])));
    expectTyped(() => decodeUp(new Uint8Array([3, 2, 0xc3, 0x28])));
    // push claiming a 2^32-byte envelope
    expectTyped(() => decodeUp(new Uint8Array([4, 1, 99, 1, 0xff, 0xff, 0xff, 0xff, 0x0f])));
  });

  it('refuses malformed joined frames with a typed error', () => {
    const good = encodeDown({ type: 'joined', conv: 'g1' });
    expect([...good]).toEqual([73, 2, 103, 49]); // tag, length, "g1"
    expectTyped(() => encodeDown({ type: 'joined', conv: 'x'.repeat(MAX_ID_BYTES + 1) }));
    expectTyped(() => encodeDown({ type: 'joined', conv: 'g1', user: 'u1' } as unknown as Down)); // no field beyond the grammar
    expectTyped(() => encodeDown({ type: 'joined', conv: 7 } as unknown as Down));
    expectTyped(() => encodeDown({ type: 'joined' } as unknown as Down));
    for (let n = 0; n < good.length; n++) expectTyped(() => decodeDown(good.subarray(0, n)));
    expectTyped(() => decodeDown(new Uint8Array([...good, 0])));
    expectTyped(() => decodeDown(new Uint8Array([73, 0x81, 0x01, ...new Uint8Array(129).fill(97)]))); // 129-byte id
    expectTyped(() => decodeDown(new Uint8Array([73, 2, 0xc3, 0x28]))); // bad utf-8
  });

  it('refuses malformed changed frames with a typed error, and a protocol-2 decoder does not know them', () => {
    const good = encodeDown({ type: 'changed', conv: 'g1' });
    expect([...good]).toEqual([74, 2, 103, 49]); // tag, length, "g1"
    expectTyped(() => encodeDown({ type: 'changed', conv: 'x'.repeat(MAX_ID_BYTES + 1) }));
    expectTyped(() => encodeDown({ type: 'changed', conv: 'g1', why: 'rename' } as unknown as Down));
    for (let n = 0; n < good.length; n++) expectTyped(() => decodeDown(good.subarray(0, n)));
    expectTyped(() => decodeDown(new Uint8Array([...good, 0])));
    expectTyped(() => decodeDown(new Uint8Array([74, 2, 0xc3, 0x28]))); // bad utf-8
    const v2 = frameUnion<Down>(DOWN_FRAMES.filter((d) => d.type !== 'changed'), MAX_FRAME_BYTES);
    expect(() => v2.decode(good)).toThrow(expect.objectContaining({ code: ErrorCode.MALFORMED_FRAME, message: 'unknown frame tag 74' }));
  });

  it('is unknown to a protocol-1 decoder, which is why relays send joined only to protocol 2 and later', () => {
    const v1 = frameUnion<Down>(DOWN_FRAMES.filter((d) => d.type !== 'joined'), MAX_FRAME_BYTES);
    const err = (() => {
      try {
        v1.decode(encodeDown({ type: 'joined', conv: 'g1' }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ code: ErrorCode.MALFORMED_FRAME, message: 'unknown frame tag 73' });
  });

  it('decodes arbitrary bytes to a frame or a typed error, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (raw) => {
        try {
          decodeUp(raw);
          decodeDown(raw);
        } catch (err) {
          expect(err).toBeInstanceOf(MekongError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('decoded byte fields do not alias the input buffer', () => {
    const b = encodeUp({ type: 'push', conv: 'c', counter: 1, envelope: bytes(4, 1) });
    const f = decodeUp(b);
    b.fill(0);
    expect(f.type === 'push' && [...f.envelope]).toEqual([1, 1, 1, 1]);
  });
});
