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

const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeBusMessage(msg: BusMessage): Buffer {
  // Buffer.write encodes straight into the payload, as TextEncoder would (lone surrogates become U+FFFD)
  const originBytes = Buffer.byteLength(msg.origin, 'utf8');
  if (originBytes > MAX_ORIGIN_BYTES) {
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
  const out = Buffer.allocUnsafe(header + originBytes + msg.envelope.byteLength);
  out[0] = version;
  out[1] = msg.kind === 'update' ? KIND_UPDATE : KIND_EPHEMERAL;
  writeU64(out, 2, seq);
  if (publishedAt !== undefined) writeU64(out, 10, publishedAt);
  out.writeUInt16BE(originBytes, header - 2);
  if (originBytes > 0) out.write(msg.origin, header, originBytes, 'utf8');
  out.set(msg.envelope, header + originBytes);
  return out;
}

function writeU64(out: Buffer, at: number, value: number): void {
  out.writeUInt32BE(Math.floor(value / TWO_32), at);
  out.writeUInt32BE(value % TWO_32, at + 4);
}

const malformed = (why: string) =>
  new MekongError(ErrorCode.MALFORMED_FRAME, `a fan-out message could not be decoded (${why}); run the same relay version everywhere`);

/**
 * The message in `payload`; the envelope is copied, so the payload's memory may be reused afterwards.
 * Runs once per message on every relay that follows the conversation, so it reads the header byte by
 * byte (no DataView) and decodes an ASCII origin (a connection id) without the UTF-8 decoder.
 */
export function decodeBusMessage(payload: Uint8Array): BusMessage {
  const length = payload.byteLength;
  if (length < 1) throw malformed('empty');
  const version = payload[0]!;
  if (version !== V1 && version !== V2) throw malformed(`unknown format version ${version}`);
  const header = HEADER[version];
  if (length < header) throw malformed('shorter than its header');
  const kind = payload[1]!;
  const seq = readU64(payload, 2);
  const publishedAt = version === V2 ? readU64(payload, 10) : undefined;
  const originEnd = header + ((payload[header - 2]! << 8) | payload[header - 1]!);
  if (originEnd > length) throw malformed('origin runs past the end');
  const origin = readOrigin(payload, header, originEnd);
  // a copy: Buffer#slice would be a view into memory the Redis client may reuse
  const envelope = new Uint8Array(payload.subarray(originEnd, length));
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

/** Origins are connection ids (ASCII) in practice; anything else goes through the strict UTF-8 decoder. */
function readOrigin(payload: Uint8Array, from: number, to: number): string {
  let ascii = '';
  for (let i = from; i < to; i++) {
    const byte = payload[i]!;
    if (byte >= 0x80) {
      try {
        return fromUtf8.decode(payload.subarray(from, to));
      } catch {
        throw malformed('origin is not UTF-8');
      }
    }
    ascii += String.fromCharCode(byte);
  }
  return ascii;
}

function readU64(bytes: Uint8Array, at: number): number {
  const high = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  const low = ((bytes[at + 4]! << 24) | (bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!) >>> 0;
  return high * TWO_32 + low;
}
