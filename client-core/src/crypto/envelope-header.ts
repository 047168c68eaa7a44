// The clear-text envelope header: what a relay and a recipient may read before any key is known.
import { ErrorCode, MekongError } from '@mekong/schema';
import { type ByteReader, ByteWriter } from './binary';

/** What an envelope carries: a CRDT update, a state snapshot, or an ephemeral message (presence, typing). */
export type EnvelopeKind = 'update' | 'snapshot' | 'ephemeral';

/** Routing and replay metadata of an envelope. Authenticated (AEAD associated data and signed), not secret. */
export interface EnvelopeHeader {
  kind: EnvelopeKind;
  /** Conversation id, 1..128 UTF-8 bytes. */
  conv: string;
  /** Epoch whose key encrypted the payload. */
  epoch: number;
  /** Author device id, 1..128 UTF-8 bytes; its certified signing key verifies the envelope. */
  device: string;
  /** Per-device counter; the relay deduplicates on (device, counter). */
  counter: number;
}

export const ENVELOPE_FORMAT_VERSION = 1;

const KIND_TO_BYTE: Record<EnvelopeKind, number> = { update: 1, snapshot: 2, ephemeral: 3 };
const BYTE_TO_KIND: Record<number, EnvelopeKind | undefined> = { 1: 'update', 2: 'snapshot', 3: 'ephemeral' };

/** Header bytes: [version u8][kind u8][conv][epoch varuint][device][counter varuint]. */
export function encodeEnvelopeHeader(header: EnvelopeHeader): Uint8Array {
  const kindByte = KIND_TO_BYTE[header.kind];
  if (kindByte === undefined) {
    throw new MekongError(ErrorCode.BAD_REQUEST, "An envelope kind must be 'update', 'snapshot' or 'ephemeral'.");
  }
  return new ByteWriter()
    .u8(ENVELOPE_FORMAT_VERSION)
    .u8(kindByte)
    .string(header.conv, 'The conversation id')
    .varuint(header.epoch, 'The epoch')
    .string(header.device, 'The device id')
    .varuint(header.counter, 'The counter')
    .finish();
}

/** Parse a header from the start of `reader`; throws MALFORMED_ENVELOPE. */
export function decodeEnvelopeHeader(reader: ByteReader): EnvelopeHeader {
  const version = reader.u8();
  if (version !== ENVELOPE_FORMAT_VERSION) reader.fail(`unsupported format version ${version}`);
  const kind = BYTE_TO_KIND[reader.u8()];
  if (kind === undefined) reader.fail('unknown kind');
  const conv = reader.string();
  const epoch = reader.varuint();
  const device = reader.string();
  const counter = reader.varuint();
  return { kind, conv, epoch, device, counter };
}
