// Envelopes: the one wire form of every CRDT update, snapshot and ephemeral message.
//
// Format version 1 (exact; any change needs a new version byte and new golden vectors):
//
//   header    = [format version u8 = 1][kind u8: 1 update, 2 snapshot, 3 ephemeral]
//               [conv: varuint length + UTF-8][epoch varuint]
//               [device: varuint length + UTF-8][counter varuint]
//               (varuint = unsigned LEB128, minimal, ≤ 2^53-1; conv and device 1..128 bytes)
//   envelope  = header ‖ nonce (24 random bytes)
//               ‖ XChaCha20-Poly1305-IETF(key = epoch key, AD = header, plaintext)
//               ‖ Ed25519 detached signature (64) by the author device over
//                 (context-for-kind ‖ header ‖ nonce ‖ ciphertext)
//   context-for-kind = UTF-8 'mekong/v1/envelope/<kind>' followed by one 0x00 byte.
//
// The AEAD proves the payload came from someone holding the epoch key; the signature proves
// which device wrote it, so one member cannot impersonate another. The kind is both in the
// header and in the signature context, so an update can never be replayed as a snapshot.
// The epoch key is used for nothing but this AEAD; any other use must derive a subkey.
//
// openEnvelope checks, in this order: parse (MALFORMED_ENVELOPE) → kind and conversation
// match what the caller expects (WRONG_CONTEXT) → signature (BAD_SIGNATURE) → decrypt
// (DECRYPT_FAILED). Checking the signature before decrypting means forged input never
// reaches the cipher, and a failure is always a thrown MekongError.
import { ErrorCode, MekongError } from '@mekong/schema';
import { ByteReader } from './binary';
import { envelopeContext, prefixed } from './contexts';
import { decodeEnvelopeHeader, type EnvelopeHeader, type EnvelopeKind, encodeEnvelopeHeader } from './envelope-header';
import { randomBytes } from './random';
import { sodium } from './sodium';
import {
  AEAD_TAG_BYTES,
  assertBytes,
  type EpochKey,
  NONCE_BYTES,
  SIGN_PUBLIC_KEY_BYTES,
  SIGN_SECRET_KEY_BYTES,
  SIGNATURE_BYTES,
  type SigningPublicKey,
  type SigningSecretKey,
  SYMMETRIC_KEY_BYTES,
} from './types';

export type { EnvelopeHeader, EnvelopeKind } from './envelope-header';

interface ParsedEnvelope {
  header: EnvelopeHeader;
  headerBytes: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  /** header ‖ nonce ‖ ciphertext: everything the signature covers after the context. */
  signedBody: Uint8Array;
  signature: Uint8Array;
}

function parseEnvelope(envelope: Uint8Array): ParsedEnvelope {
  const reader = new ByteReader(envelope, 'envelope');
  const header = decodeEnvelopeHeader(reader);
  const headerLength = reader.offset;
  if (reader.remaining < NONCE_BYTES + AEAD_TAG_BYTES + SIGNATURE_BYTES) reader.fail('truncated');
  const bodyEnd = envelope.length - SIGNATURE_BYTES;
  return {
    header,
    headerBytes: envelope.subarray(0, headerLength),
    nonce: envelope.subarray(headerLength, headerLength + NONCE_BYTES),
    ciphertext: envelope.subarray(headerLength + NONCE_BYTES, bodyEnd),
    signedBody: envelope.subarray(0, bodyEnd),
    signature: envelope.subarray(bodyEnd),
  };
}

/**
 * Seal with a caller-chosen nonce. Internal: only known-answer tests may fix the nonce;
 * reusing a nonce with the same epoch key breaks confidentiality.
 */
export function sealEnvelopeWithNonce(
  header: EnvelopeHeader,
  plaintext: Uint8Array,
  epochKey: EpochKey,
  deviceSignSecretKey: SigningSecretKey,
  nonce: Uint8Array,
): Uint8Array {
  const s = sodium();
  assertBytes(epochKey, SYMMETRIC_KEY_BYTES, 'The epoch key');
  assertBytes(deviceSignSecretKey, SIGN_SECRET_KEY_BYTES, 'The device signing secret key');
  assertBytes(nonce, NONCE_BYTES, 'The nonce');
  if (!(plaintext instanceof Uint8Array)) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'The envelope plaintext must be a Uint8Array.');
  }
  const headerBytes = encodeEnvelopeHeader(header);
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, headerBytes, null, nonce, epochKey);
  const bodyLength = headerBytes.length + NONCE_BYTES + ciphertext.length;
  const out = new Uint8Array(bodyLength + SIGNATURE_BYTES);
  out.set(headerBytes, 0);
  out.set(nonce, headerBytes.length);
  out.set(ciphertext, headerBytes.length + NONCE_BYTES);
  const signed = prefixed(envelopeContext(header.kind), out.subarray(0, bodyLength));
  out.set(s.crypto_sign_detached(signed, deviceSignSecretKey), bodyLength);
  return out;
}

/**
 * Encrypt `plaintext` under the epoch key and sign it with the author device's key.
 *
 * @example
 * const env = sealEnvelope(
 *   { kind: 'update', conv: 'c1', epoch: 3, device: 'd1', counter: 42 },
 *   yUpdate, epochKey, device.signSecretKey,
 * );
 */
export function sealEnvelope(
  header: EnvelopeHeader,
  plaintext: Uint8Array,
  epochKey: EpochKey,
  deviceSignSecretKey: SigningSecretKey,
): Uint8Array {
  return sealEnvelopeWithNonce(header, plaintext, epochKey, deviceSignSecretKey, randomBytes(NONCE_BYTES));
}

/**
 * Parse the header only, so the caller can look up the epoch key and the author device's
 * signing key before opening. Nothing returned here is authenticated yet.
 * @throws MekongError MALFORMED_ENVELOPE when the bytes are not an envelope.
 * @example const { conv, epoch, device } = readEnvelopeHeader(bytes);
 */
export function readEnvelopeHeader(envelope: Uint8Array): EnvelopeHeader {
  return parseEnvelope(envelope).header;
}

/** What the caller expects of an envelope before trusting it. */
export interface OpenEnvelopeExpectation {
  kind: EnvelopeKind;
  conv: string;
  /** Signing key of the device named in the header, from its verified certificate. */
  signPublicKey: SigningPublicKey;
  /** Key of the epoch named in the header. */
  epochKey: EpochKey;
  /** When given, the header's epoch must equal it (WRONG_CONTEXT otherwise). */
  epoch?: number;
  /** When given, the header's device must equal it (WRONG_CONTEXT otherwise). */
  device?: string;
}

/**
 * Verify and decrypt an envelope.
 *
 * @throws MekongError MALFORMED_ENVELOPE, WRONG_CONTEXT, BAD_SIGNATURE or DECRYPT_FAILED (in that order of checks).
 * @example
 * const h = readEnvelopeHeader(bytes);
 * const { plaintext } = openEnvelope(bytes, {
 *   kind: 'update', conv: h.conv, signPublicKey: deviceKeys(h.device), epochKey: epochKeys(h.epoch),
 * });
 */
export function openEnvelope(
  envelope: Uint8Array,
  expect: OpenEnvelopeExpectation,
): { header: EnvelopeHeader; plaintext: Uint8Array } {
  const s = sodium();
  assertBytes(expect.signPublicKey, SIGN_PUBLIC_KEY_BYTES, 'The expected signing public key');
  assertBytes(expect.epochKey, SYMMETRIC_KEY_BYTES, 'The expected epoch key');
  const parsed = parseEnvelope(envelope);
  const { header } = parsed;
  if (header.kind !== expect.kind || header.conv !== expect.conv) {
    throw new MekongError(
      ErrorCode.WRONG_CONTEXT,
      `The envelope is a ${header.kind} for another conversation or of another kind than expected; do not apply it here.`,
    );
  }
  if ((expect.epoch !== undefined && header.epoch !== expect.epoch) || (expect.device !== undefined && header.device !== expect.device)) {
    throw new MekongError(ErrorCode.WRONG_CONTEXT, 'The envelope names another epoch or device than expected; do not apply it here.');
  }
  const signed = prefixed(envelopeContext(header.kind), parsed.signedBody);
  if (!s.crypto_sign_verify_detached(parsed.signature, signed, expect.signPublicKey)) {
    throw new MekongError(ErrorCode.BAD_SIGNATURE, 'The envelope signature does not match its author device; discard it.');
  }
  let plaintext: Uint8Array;
  try {
    plaintext = s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, parsed.ciphertext, parsed.headerBytes, parsed.nonce, expect.epochKey);
  } catch {
    throw new MekongError(ErrorCode.DECRYPT_FAILED, 'The envelope does not decrypt with this epoch key; fetch the right epoch key or discard it.');
  }
  return { header, plaintext };
}
