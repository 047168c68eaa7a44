// Encode/decode a union of frames by tag. Every decoding failure is a MALFORMED_FRAME error, never a throw of another kind.
import { ErrorCode, MekongError } from '../errors';
import { decoding, encoding, type FrameDef } from './frame';

// biome-ignore lint/suspicious/noExplicitAny: a registry of heterogeneous frame definitions
type AnyFrame = FrameDef<string, any>;

export interface FrameUnion<V extends { type: string }> {
  encode(value: V): Uint8Array;
  decode(bytes: Uint8Array): V;
  readonly descriptors: string[];
}

export function frameUnion<V extends { type: string }>(defs: AnyFrame[], maxBytes: number): FrameUnion<V> {
  const byTag = new Map<number, AnyFrame>();
  const byType = new Map<string, AnyFrame>();
  for (const d of defs) {
    if (byTag.has(d.tag) || byType.has(d.type)) throw new Error(`duplicate frame ${d.tag}/${d.type}`);
    byTag.set(d.tag, d);
    byType.set(d.type, d);
  }
  return {
    descriptors: defs.map((d) => d.descriptor),
    encode(value) {
      const def = byType.get(value.type);
      if (!def) throw new MekongError(ErrorCode.MALFORMED_FRAME, `unknown frame type ${value.type}`);
      const parsed = def.schema.safeParse(value);
      if (!parsed.success) {
        throw new MekongError(ErrorCode.MALFORMED_FRAME, `invalid ${value.type} frame: ${parsed.error.issues[0]?.message}`);
      }
      const enc = encoding.createEncoder();
      encoding.writeUint8(enc, def.tag);
      def.encodeBody(enc, value);
      return encoding.toUint8Array(enc);
    },
    decode(bytes) {
      if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
        throw new MekongError(ErrorCode.MALFORMED_FRAME, 'empty frame');
      }
      if (bytes.length > maxBytes) {
        throw new MekongError(ErrorCode.FRAME_TOO_LARGE, `frame of ${bytes.length} bytes exceeds ${maxBytes}`);
      }
      const def = byTag.get(bytes[0]!);
      if (!def) throw new MekongError(ErrorCode.MALFORMED_FRAME, `unknown frame tag ${bytes[0]}`);
      let value: V;
      try {
        const dec = decoding.createDecoder(bytes);
        decoding.readUint8(dec);
        value = def.decodeBody(dec) as V;
        if (decoding.hasContent(dec)) throw new RangeError('trailing bytes');
      } catch (err) {
        const why = err instanceof Error ? err.message : 'undecodable';
        throw new MekongError(ErrorCode.MALFORMED_FRAME, `malformed ${def.type} frame: ${why}`);
      }
      const parsed = def.schema.safeParse(value);
      if (!parsed.success) {
        throw new MekongError(ErrorCode.MALFORMED_FRAME, `invalid ${def.type} frame: ${parsed.error.issues[0]?.message}`);
      }
      return value;
    },
  };
}
