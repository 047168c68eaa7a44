// A frame definition: a one-byte tag, a type name and ordered fields. Encoding is the tag followed by each field.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { z } from 'zod';
import type { Decoder, Encoder, Field } from './field';

type Fields = Record<string, Field<unknown>>;
type FieldType<X> = X extends Field<infer T> ? T : never;
type Simplify<T> = { [K in keyof T]: T[K] };
/** Fields that may be undefined become optional properties. */
type ValueOf<F extends Fields> = Simplify<
  { [K in keyof F as undefined extends FieldType<F[K]> ? never : K]: FieldType<F[K]> } & {
    [K in keyof F as undefined extends FieldType<F[K]> ? K : never]?: Exclude<FieldType<F[K]>, undefined>;
  }
>;

export interface FrameDef<T extends string, F extends Fields> {
  readonly tag: number;
  readonly type: T;
  readonly fields: F;
  readonly schema: z.ZodType<{ type: T } & ValueOf<F>>;
  readonly descriptor: string;
  encodeBody(enc: Encoder, value: ValueOf<F>): void;
  decodeBody(dec: Decoder): { type: T } & ValueOf<F>;
}

/** Infer the value type of a frame definition. */
export type FrameOf<D> = D extends FrameDef<infer T, infer F> ? { type: T } & ValueOf<F> : never;

/** Define a frame; field order is the byte order on the wire. */
export function defineFrame<T extends string, F extends Fields>(tag: number, type: T, fields: F): FrameDef<T, F> {
  const shape: Record<string, z.ZodType> = { type: z.literal(type) };
  for (const [k, field] of Object.entries(fields)) shape[k] = field.schema;
  const schema = z.strictObject(shape) as unknown as z.ZodType<{ type: T } & ValueOf<F>>;
  const entries = Object.entries(fields);
  return {
    tag,
    type,
    fields,
    schema,
    descriptor: `${tag}:${type}{${entries.map(([k, fd]) => `${k}:${fd.descriptor}`).join(',')}}`,
    encodeBody(enc, value) {
      const record = value as Record<string, unknown>;
      for (const [k, field] of entries) field.write(enc, record[k]);
    },
    decodeBody(dec) {
      const out: Record<string, unknown> = { type };
      for (const [k, field] of entries) {
        const v = field.read(dec);
        if (v !== undefined) out[k] = v;
      }
      return out as { type: T } & ValueOf<F>;
    },
  };
}

export { decoding, encoding };
