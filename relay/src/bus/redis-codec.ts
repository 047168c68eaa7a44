// Bytes of one bus message on a Redis channel: a fixed header, the origin, then the envelope as is.
//
//   offset 0   u8      format version (1)
//   offset 1   u8      kind: 1 update, 2 ephemeral
//   offset 2   u64 BE  seq (0 for ephemeral; at most 2^53 - 1)
//   offset 10  u16 BE  origin length n
//   offset 12  n bytes origin, UTF-8
//   then       the envelope, to the end of the payload
//
// The conversation is the channel, so it is not repeated here.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { BusMessage } from '../ports';

const VERSION = 1;
const KIND_UPDATE = 1;
const KIND_EPHEMERAL = 2;
const HEADER = 12;
const MAX_ORIGIN_BYTES = 0xffff;
const TWO_32 = 2 ** 32;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeBusMessage(msg: BusMessage): Buffer {
  const origin = utf8.encode(msg.origin);
  if (origin.byteLength > MAX_ORIGIN_BYTES) {
    throw new MekongError(ErrorCode.BAD_REQUEST, `a bus message origin is limited to ${MAX_ORIGIN_BYTES} bytes`);
  }
  const seq = msg.kind === 'update' ? msg.seq : 0;
  if (!Number.isSafeInteger(seq) || seq < 0) throw new MekongError(ErrorCode.BAD_REQUEST, `a bus message seq must be a safe non-negative integer, got ${seq}`);
  const out = Buffer.allocUnsafe(HEADER + origin.byteLength + msg.envelope.byteLength);
  out[0] = VERSION;
  out[1] = msg.kind === 'update' ? KIND_UPDATE : KIND_EPHEMERAL;
  out.writeUInt32BE(Math.floor(seq / TWO_32), 2);
  out.writeUInt32BE(seq % TWO_32, 6);
  out.writeUInt16BE(origin.byteLength, 10);
  out.set(origin, HEADER);
  out.set(msg.envelope, HEADER + origin.byteLength);
  return out;
}

const malformed = (why: string) =>
  new MekongError(ErrorCode.MALFORMED_FRAME, `a fan-out message could not be decoded (${why}); run the same relay version everywhere`);

/** The message in `payload`; the envelope is copied, so the payload's memory may be reused afterwards. */
export function decodeBusMessage(payload: Uint8Array): BusMessage {
  if (payload.byteLength < HEADER) throw malformed('shorter than its header');
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (view.getUint8(0) !== VERSION) throw malformed(`unknown format version ${view.getUint8(0)}`);
  const kind = view.getUint8(1);
  const seq = view.getUint32(2) * TWO_32 + view.getUint32(6);
  const originLength = view.getUint16(10);
  if (HEADER + originLength > payload.byteLength) throw malformed('origin runs past the end');
  let origin: string;
  try {
    origin = fromUtf8.decode(payload.subarray(HEADER, HEADER + originLength));
  } catch {
    throw malformed('origin is not UTF-8');
  }
  // a copy: Buffer#slice would be a view into memory the Redis client may reuse
  const envelope = new Uint8Array(payload.subarray(HEADER + originLength));
  if (kind === KIND_UPDATE) {
    if (!Number.isSafeInteger(seq) || seq < 1) throw malformed(`update seq ${seq} out of range`);
    return { kind: 'update', seq, envelope, origin };
  }
  if (kind === KIND_EPHEMERAL) return { kind: 'ephemeral', envelope, origin };
  throw malformed(`unknown kind ${kind}`);
}
