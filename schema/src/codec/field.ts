// Field codecs: each pairs a zod schema (the type) with its compact binary form (lib0 varints).
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { z } from 'zod';

export type Encoder = encoding.Encoder;
export type Decoder = decoding.Decoder;

/** One field of a frame: a schema for validation plus its byte grammar. */
export interface Field<T> {
  readonly schema: z.ZodType<T>;
  /** Stable text form of the grammar; the protocol fingerprint is computed from it. */
  readonly descriptor: string;
  write(enc: Encoder, value: T): void;
  read(dec: Decoder): T;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8enc = new TextEncoder();

function uint(): Field<number> {
  return {
    schema: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    descriptor: 'uint',
    write: (enc, v) => encoding.writeVarUint(enc, v),
    read: (dec) => decoding.readVarUint(dec),
  };
}

function str(maxBytes: number): Field<string> {
  return {
    // a UTF-16 code unit is at most 3 UTF-8 bytes, so short strings need no encoding to be checked
    schema: z.string().refine((s) => s.length * 3 <= maxBytes || utf8enc.encode(s).length <= maxBytes, {
      message: `longer than ${maxBytes} bytes`,
    }),
    descriptor: `str(${maxBytes})`,
    write: (enc, v) => encoding.writeVarUint8Array(enc, utf8enc.encode(v)),
    read: (dec) => {
      const len = decoding.readVarUint(dec);
      if (len > maxBytes) throw new RangeError(`string field longer than ${maxBytes} bytes`);
      return utf8.decode(decoding.readUint8Array(dec, len));
    },
  };
}

function bytes(maxBytes: number): Field<Uint8Array> {
  return {
    schema: z.instanceof(Uint8Array).refine((b) => b.length <= maxBytes, {
      message: `longer than ${maxBytes} bytes`,
    }),
    descriptor: `bytes(${maxBytes})`,
    write: (enc, v) => encoding.writeVarUint8Array(enc, v),
    read: (dec) => {
      const len = decoding.readVarUint(dec);
      if (len > maxBytes) throw new RangeError(`bytes field longer than ${maxBytes} bytes`);
      // copy: frames must not alias the socket's receive buffer
      return decoding.readUint8Array(dec, len).slice();
    },
  };
}

function optional<T>(inner: Field<T>): Field<T | undefined> {
  return {
    schema: inner.schema.optional(),
    descriptor: `opt(${inner.descriptor})`,
    write: (enc, v) => {
      if (v === undefined) encoding.writeUint8(enc, 0);
      else {
        encoding.writeUint8(enc, 1);
        inner.write(enc, v);
      }
    },
    read: (dec) => {
      const flag = decoding.readUint8(dec);
      if (flag === 0) return undefined;
      if (flag !== 1) throw new RangeError('bad optional flag');
      return inner.read(dec);
    },
  };
}

function array<T>(inner: Field<T>, maxItems: number): Field<T[]> {
  return {
    schema: z.array(inner.schema).max(maxItems),
    descriptor: `arr(${inner.descriptor},${maxItems})`,
    write: (enc, v) => {
      encoding.writeVarUint(enc, v.length);
      for (const item of v) inner.write(enc, item);
    },
    read: (dec) => {
      const n = decoding.readVarUint(dec);
      if (n > maxItems) throw new RangeError(`more than ${maxItems} items`);
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(inner.read(dec));
      return out;
    },
  };
}

/** Field constructors used by every frame definition. */
export const f = { uint, str, bytes, optional, array };
