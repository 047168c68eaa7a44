// Encode/decode a union of frames by tag. Every decoding failure is a MALFORMED_FRAME error, never a throw of another kind.
import { ErrorCode, MekongError } from '../errors';
import { decoding, encoding, type FrameDef } from './frame';

// biome-ignore lint/suspicious/noExplicitAny: a registry of heterogeneous frame definitions
type AnyFrame = FrameDef<string, any>;

export interface FrameUnion<V extends { type: string }> {
  encode(value: V): Uint8Array;
  /**
   * Encode without the schema check, for frames built only from values that were already checked
   * (decoded from a checked frame, or read from the log). The byte grammar is the same.
   */
  encodeChecked(value: V): Uint8Array;
  decode(bytes: Uint8Array): V;
  readonly descriptors: string[];
}

/**
 * One encoder reused for every frame (encoding is synchronous and never nested): once its buffer has
 * grown to the usual frame size, a frame costs one allocation, the result, instead of several.
 */
const scratch = encoding.createEncoder();
/** A buffer grown beyond this by one big frame is let go afterwards rather than kept. */
const SCRATCH_KEEP_BYTES = 64 * 1024;

function write(def: AnyFrame, value: { type: string }): Uint8Array {
  scratch.cpos = 0;
  scratch.bufs = [];
  try {
    encoding.writeUint8(scratch, def.tag);
    def.encodeBody(scratch, value);
    return encoding.toUint8Array(scratch);
  } finally {
    scratch.cpos = 0;
    scratch.bufs = [];
    if (scratch.cbuf.length > SCRATCH_KEEP_BYTES) scratch.cbuf = new Uint8Array(1024);
  }
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
      return write(def, value);
    },
    encodeChecked(value) {
      const def = byType.get(value.type);
      if (!def) throw new MekongError(ErrorCode.MALFORMED_FRAME, `unknown frame type ${value.type}`);
      return write(def, value);
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
