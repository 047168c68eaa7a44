// Bytes of one bus message on a Redis channel: a fixed header, the origin, then the envelope as is.
//
// Version 1 (a message without publish time):
//   offset 0   u8      format version (1)
//   offset 1   u8      kind: 1 update, 2 ephemeral
//   offset 2   u64 BE  seq (0 for ephemeral; at most 2^53 - 1)
//   offset 10  u16 BE  origin length n
//   offset 12  n bytes origin, UTF-8
//   then       the envelope, to the end of the payload
//
// Version 2 (an update carrying `publishedAt`, written by relays that keep metrics):
//   offset 0   u8      format version (2)
//   offset 1   u8      kind (1 update)
//   offset 2   u64 BE  seq
//   offset 10  u64 BE  publishedAt, wall-clock milliseconds of the append
//   offset 18  u16 BE  origin length n
//   offset 20  n bytes origin, then the envelope
//
// Every relay decodes both versions and writes version 1 whenever there is no publish time, so
// relays without metrics keep speaking exactly the old bytes. A relay older than version 2 drops
// a version 2 message as undecodable and re-reads the log (a gap, not a loss) until it is upgraded.
// The conversation is the channel, so it is not repeated here.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { BusMessage } from '../ports';

const V1 = 1;
const V2 = 2;
const KIND_UPDATE = 1;
const KIND_EPHEMERAL = 2;
const HEADER = { [V1]: 12, [V2]: 20 } as const;
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
  const publishedAt = msg.kind === 'update' ? msg.publishedAt : undefined;
  if (publishedAt !== undefined && (!Number.isSafeInteger(publishedAt) || publishedAt < 0)) {
    throw new MekongError(ErrorCode.BAD_REQUEST, `a bus message publishedAt must be a safe non-negative integer, got ${publishedAt}`);
  }
  const version = publishedAt === undefined ? V1 : V2;
  const header = HEADER[version];
  const out = Buffer.allocUnsafe(header + origin.byteLength + msg.envelope.byteLength);
  out[0] = version;
  out[1] = msg.kind === 'update' ? KIND_UPDATE : KIND_EPHEMERAL;
  writeU64(out, 2, seq);
  if (publishedAt !== undefined) writeU64(out, 10, publishedAt);
  out.writeUInt16BE(origin.byteLength, header - 2);
  out.set(origin, header);
  out.set(msg.envelope, header + origin.byteLength);
  return out;
}

function writeU64(out: Buffer, at: number, value: number): void {
  out.writeUInt32BE(Math.floor(value / TWO_32), at);
  out.writeUInt32BE(value % TWO_32, at + 4);
}

const malformed = (why: string) =>
  new MekongError(ErrorCode.MALFORMED_FRAME, `a fan-out message could not be decoded (${why}); run the same relay version everywhere`);

/** The message in `payload`; the envelope is copied, so the payload's memory may be reused afterwards. */
export function decodeBusMessage(payload: Uint8Array): BusMessage {
  if (payload.byteLength < 1) throw malformed('empty');
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const version = view.getUint8(0);
  if (version !== V1 && version !== V2) throw malformed(`unknown format version ${version}`);
  const header = HEADER[version];
  if (payload.byteLength < header) throw malformed('shorter than its header');
  const kind = view.getUint8(1);
  const seq = readU64(view, 2);
  const publishedAt = version === V2 ? readU64(view, 10) : undefined;
  const originLength = view.getUint16(header - 2);
  if (header + originLength > payload.byteLength) throw malformed('origin runs past the end');
  let origin: string;
  try {
    origin = fromUtf8.decode(payload.subarray(header, header + originLength));
  } catch {
    throw malformed('origin is not UTF-8');
  }
  // a copy: Buffer#slice would be a view into memory the Redis client may reuse
  const envelope = new Uint8Array(payload.subarray(header + originLength));
  if (kind === KIND_UPDATE) {
    if (!Number.isSafeInteger(seq) || seq < 1) throw malformed(`update seq ${seq} out of range`);
    if (publishedAt === undefined) return { kind: 'update', seq, envelope, origin };
    if (!Number.isSafeInteger(publishedAt)) throw malformed(`publish time ${publishedAt} out of range`);
    return { kind: 'update', seq, envelope, origin, publishedAt };
  }
  // version 2 exists for the publish time of updates; anything else in it is not ours
  if (kind === KIND_EPHEMERAL && version === V1) return { kind: 'ephemeral', envelope, origin };
  throw malformed(`unknown kind ${kind} in format version ${version}`);
}

function readU64(view: DataView, at: number): number {
  return view.getUint32(at) * TWO_32 + view.getUint32(at + 4);
}
