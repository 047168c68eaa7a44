// A tiny writer and reader for the module's byte formats: u8, unsigned LEB128 varuints,
// length-prefixed UTF-8 strings and fixed-size byte fields. Parsing is strict (minimal
// varuints, valid UTF-8, exact lengths) so that every value has exactly one encoding.
import { ErrorCode, MekongError } from '@mekong/schema/errors';

/** Longest identifier (conversation, device, user id) accepted in a signed structure, in UTF-8 bytes. */
export const MAX_ID_BYTES = 128;

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF instead of silently dropping it, so decoding never changes a value.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of `text`, refusing strings with lone surrogates (they would not survive a round trip). */
export function utf8(text: string, what: string): Uint8Array {
  const bytes = encoder.encode(text);
  if (decoder.decode(bytes) !== text) {
    throw new MekongError(ErrorCode.BAD_REQUEST, `${what} is not well-formed Unicode; remove unpaired surrogates.`);
  }
  return bytes;
}

export class ByteWriter {
  private buf = new Uint8Array(64);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(value: number): this {
    this.reserve(1);
    this.buf[this.len++] = value & 0xff;
    return this;
  }

  /** Unsigned LEB128 of a non-negative safe integer. */
  varuint(value: number, what: string): this {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new MekongError(ErrorCode.BAD_REQUEST, `${what} must be a non-negative safe integer.`);
    }
    let v = value;
    while (v >= 0x80) {
      this.u8((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    return this.u8(v);
  }

  /** varuint byte length ‖ UTF-8, for identifiers of 1..maxBytes bytes. */
  string(text: string, what: string, maxBytes = MAX_ID_BYTES): this {
    if (typeof text !== 'string') throw new MekongError(ErrorCode.BAD_REQUEST, `${what} must be a string.`);
    const bytes = utf8(text, what);
    if (bytes.length === 0 || bytes.length > maxBytes) {
      throw new MekongError(ErrorCode.BAD_REQUEST, `${what} must be 1 to ${maxBytes} bytes of UTF-8.`);
    }
    this.varuint(bytes.length, what);
    return this.bytes(bytes);
  }

  bytes(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export class ByteReader {
  private pos = 0;

  /** `what` names the structure in error messages, e.g. 'envelope'. */
  constructor(
    private readonly data: Uint8Array,
    private readonly what: string,
  ) {
    if (!(data instanceof Uint8Array)) this.fail('it is not a byte array');
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.data.length - this.pos;
  }

  fail(reason: string): never {
    throw new MekongError(ErrorCode.MALFORMED_ENVELOPE, `The ${this.what} is malformed (${reason}); discard it.`);
  }

  u8(): number {
    const b = this.data[this.pos];
    if (b === undefined) this.fail('truncated');
    this.pos++;
    return b;
  }

  /** Unsigned LEB128, minimal encoding only, at most Number.MAX_SAFE_INTEGER. */
  varuint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) this.fail('non-minimal integer');
        if (!Number.isSafeInteger(value)) this.fail('integer too large');
        return value;
      }
      scale *= 0x80;
    }
    return this.fail('integer too large');
  }

  string(maxBytes = MAX_ID_BYTES): string {
    const n = this.varuint();
    if (n === 0 || n > maxBytes) this.fail('identifier length out of range');
    const bytes = this.bytes(n);
    try {
      return decoder.decode(bytes);
    } catch {
      return this.fail('invalid UTF-8');
    }
  }

  /** The next `n` bytes, as a view (copy it if it must outlive the input). */
  bytes(n: number): Uint8Array {
    if (n > this.remaining) this.fail('truncated');
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  end(): void {
    if (this.remaining !== 0) this.fail('trailing bytes');
  }
}
