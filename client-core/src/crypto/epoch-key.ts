// Epoch key distribution: the device that starts or rotates an epoch seals the key to every
// member device, and signs it, so a relay can neither read the key nor slip in one of its own.
//
// Format version 1 (exact):
//   header = [version u8 = 1][conv: varuint length + UTF-8][epoch varuint]
//            [recipient device: varuint length + UTF-8][sender device: varuint length + UTF-8]
//   sealed = header ‖ crypto_box_seal(epoch key (32) ‖ signature (64), recipient box key)   (144 bytes)
//   signature = Ed25519 by the sender device over 'mekong/v1/epoch-key' 0x00 ‖ header ‖ epoch key
//
// The header is in clear so a recipient can learn the claimed sender before it holds the
// sender's key (peekEpochKeySender) and fetch that device's certificate. The signature sits
// inside the box, binds the key to conversation, epoch, recipient and sender, and so cannot
// be stripped, re-signed by someone else, or forwarded to another device by the recipient.
//
// openEpochKey checks: parse (MALFORMED_ENVELOPE) → conversation and recipient device match
// (WRONG_CONTEXT) → sender device known (UNKNOWN_DEVICE) → box opens (DECRYPT_FAILED) →
// signature (BAD_SIGNATURE).
import { ErrorCode, MekongError } from '@mekong/schema';
import { ByteReader, ByteWriter } from './binary';
import { contextBytes, prefixed } from './contexts';
import { sodium } from './sodium';
import {
  assertBytes,
  BOX_KEY_BYTES,
  type BoxPublicKey,
  type BoxSecretKey,
  type EpochKey,
  SIGN_PUBLIC_KEY_BYTES,
  SIGN_SECRET_KEY_BYTES,
  SIGNATURE_BYTES,
  type SigningPublicKey,
  type SigningSecretKey,
  SYMMETRIC_KEY_BYTES,
} from './types';

const EPOCH_KEY_FORMAT_VERSION = 1;
const SEAL_OVERHEAD_BYTES = 48;
const BOX_BYTES = SEAL_OVERHEAD_BYTES + SYMMETRIC_KEY_BYTES + SIGNATURE_BYTES;

/** The clear-text part of a sealed epoch key. Not authenticated until openEpochKey succeeds. */
export interface SealedEpochKeyHeader {
  conv: string;
  epoch: number;
  recipientDevice: string;
  senderDevice: string;
}

/** What sealEpochKey needs. */
export interface SealEpochKeyParams {
  conv: string;
  epoch: number;
  key: EpochKey;
  recipientDevice: string;
  recipientBoxPublicKey: BoxPublicKey;
  senderDevice: string;
  senderSignSecretKey: SigningSecretKey;
}

/** What openEpochKey needs. */
export interface OpenEpochKeyParams {
  conv: string;
  recipientDevice: string;
  recipientBox: { publicKey: BoxPublicKey; secretKey: BoxSecretKey };
  /** The certified signing key of a device of this conversation, or undefined if unknown. */
  senderSignPublicKey: (deviceId: string) => SigningPublicKey | undefined;
  /** When given, the sealed key must be for this epoch (WRONG_CONTEXT otherwise). */
  epoch?: number;
}

function encodeHeader(h: SealedEpochKeyHeader): Uint8Array {
  return new ByteWriter()
    .u8(EPOCH_KEY_FORMAT_VERSION)
    .string(h.conv, 'The conversation id')
    .varuint(h.epoch, 'The epoch')
    .string(h.recipientDevice, 'The recipient device id')
    .string(h.senderDevice, 'The sender device id')
    .finish();
}

function parse(sealed: Uint8Array): { header: SealedEpochKeyHeader; headerBytes: Uint8Array; box: Uint8Array } {
  const r = new ByteReader(sealed, 'sealed epoch key');
  if (r.u8() !== EPOCH_KEY_FORMAT_VERSION) r.fail('unsupported version');
  const conv = r.string();
  const epoch = r.varuint();
  const recipientDevice = r.string();
  const senderDevice = r.string();
  const headerLength = r.offset;
  const box = r.bytes(BOX_BYTES);
  r.end();
  return { header: { conv, epoch, recipientDevice, senderDevice }, headerBytes: sealed.subarray(0, headerLength), box };
}

/**
 * Seal and sign an epoch key for one recipient device.
 * @example
 * const sealed = sealEpochKey({
 *   conv: 'c1', epoch: 4, key, recipientDevice: 'bob-phone', recipientBoxPublicKey: bobCert.boxPublicKey,
 *   senderDevice: 'alice-laptop', senderSignSecretKey: myDevice.signSecretKey,
 * });
 */
export function sealEpochKey(p: SealEpochKeyParams): Uint8Array {
  const s = sodium();
  assertBytes(p.key, SYMMETRIC_KEY_BYTES, 'The epoch key');
  assertBytes(p.recipientBoxPublicKey, BOX_KEY_BYTES, 'The recipient box public key');
  assertBytes(p.senderSignSecretKey, SIGN_SECRET_KEY_BYTES, 'The sender signing secret key');
  const headerBytes = encodeHeader(p);
  const signature = s.crypto_sign_detached(prefixed(contextBytes('epochKey'), prefixed(headerBytes, p.key)), p.senderSignSecretKey);
  const inner = prefixed(p.key, signature);
  const box = s.crypto_box_seal(inner, p.recipientBoxPublicKey);
  s.memzero(inner);
  return prefixed(headerBytes, box);
}

/**
 * Read the clear-text header of a sealed epoch key (unauthenticated), e.g. to fetch the
 * sender's certificate before opening.
 * @throws MekongError MALFORMED_ENVELOPE.
 * @example const { senderDevice, epoch } = readEpochKeyHeader(sealed);
 */
export function readEpochKeyHeader(sealed: Uint8Array): SealedEpochKeyHeader {
  return parse(sealed).header;
}

/**
 * The device id that claims to have sent this epoch key (unauthenticated until opened).
 * @throws MekongError MALFORMED_ENVELOPE.
 * @example const cert = await fetchCertificate(peekEpochKeySender(sealed));
 */
export function peekEpochKeySender(sealed: Uint8Array): string {
  return parse(sealed).header.senderDevice;
}

/**
 * Open a sealed epoch key addressed to this device and verify who sent it.
 * @throws MekongError MALFORMED_ENVELOPE, WRONG_CONTEXT, UNKNOWN_DEVICE, DECRYPT_FAILED or BAD_SIGNATURE.
 * @example
 * const { epoch, key } = openEpochKey(sealed, {
 *   conv: 'c1', recipientDevice: 'bob-phone', recipientBox: { publicKey: me.boxPublicKey, secretKey: me.boxSecretKey },
 *   senderSignPublicKey: (id) => verifiedDevices.get(id)?.signPublicKey,
 * });
 */
export function openEpochKey(sealed: Uint8Array, p: OpenEpochKeyParams): { epoch: number; key: EpochKey; senderDevice: string } {
  const s = sodium();
  assertBytes(p.recipientBox.publicKey, BOX_KEY_BYTES, 'The recipient box public key');
  assertBytes(p.recipientBox.secretKey, BOX_KEY_BYTES, 'The recipient box secret key');
  const { header, headerBytes, box } = parse(sealed);
  if (header.conv !== p.conv || header.recipientDevice !== p.recipientDevice || (p.epoch !== undefined && header.epoch !== p.epoch)) {
    throw new MekongError(ErrorCode.WRONG_CONTEXT, 'The epoch key was sealed for another conversation, epoch or device; ignore it.');
  }
  const senderKey = p.senderSignPublicKey(header.senderDevice);
  if (senderKey === undefined) {
    throw new MekongError(ErrorCode.UNKNOWN_DEVICE, 'The epoch key comes from a device without a verified certificate; fetch it or ignore the key.');
  }
  assertBytes(senderKey, SIGN_PUBLIC_KEY_BYTES, 'The sender signing public key');
  let inner: Uint8Array;
  try {
    inner = s.crypto_box_seal_open(box, p.recipientBox.publicKey, p.recipientBox.secretKey);
  } catch {
    throw new MekongError(ErrorCode.DECRYPT_FAILED, 'The epoch key does not open with this device key; ask a member to send it again.');
  }
  const key = inner.slice(0, SYMMETRIC_KEY_BYTES) as EpochKey;
  const signature = inner.subarray(SYMMETRIC_KEY_BYTES);
  const signed = prefixed(contextBytes('epochKey'), prefixed(headerBytes, key));
  const ok = signature.length === SIGNATURE_BYTES && s.crypto_sign_verify_detached(signature, signed, senderKey);
  s.memzero(inner);
  if (!ok) {
    s.memzero(key);
    throw new MekongError(ErrorCode.BAD_SIGNATURE, 'The epoch key is not signed by the device it names; ignore it.');
  }
  return { epoch: header.epoch, key, senderDevice: header.senderDevice };
}
