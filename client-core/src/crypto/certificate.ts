// Device certificates: the user's identity key vouches for one device's signing and box keys.
//
// Encoding (version 1): [version u8 = 1][userId: varuint length + UTF-8][deviceId: same]
//   [signPublicKey 32][boxPublicKey 32][issuedAt varuint, ms since epoch][signature 64]
// signature = Ed25519 by the identity key over 'mekong/v1/device-certificate' 0x00 ‖ every
// byte before the signature. Verification re-encodes the fields, so what is checked is
// exactly what the decoded object says.
import { ErrorCode, MekongError } from '@mekong/schema';
import { ByteReader, ByteWriter } from './binary';
import { contextBytes, prefixed } from './contexts';
import type { IdentityKeyPair } from './keys';
import { sodium } from './sodium';
import {
  assertBytes,
  BOX_KEY_BYTES,
  type BoxPublicKey,
  SIGN_PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  type SigningPublicKey,
} from './types';

const CERTIFICATE_VERSION = 1;

/** A device's public keys, signed by its user's identity key. */
export interface DeviceCertificate {
  userId: string;
  deviceId: string;
  signPublicKey: SigningPublicKey;
  boxPublicKey: BoxPublicKey;
  /** When the identity key signed it, in milliseconds since 1970. */
  issuedAt: number;
  signature: Uint8Array;
}

function encodeBody(fields: Omit<DeviceCertificate, 'signature'>): Uint8Array {
  assertBytes(fields.signPublicKey, SIGN_PUBLIC_KEY_BYTES, 'The device signing public key');
  assertBytes(fields.boxPublicKey, BOX_KEY_BYTES, 'The device box public key');
  return new ByteWriter()
    .u8(CERTIFICATE_VERSION)
    .string(fields.userId, 'The user id')
    .string(fields.deviceId, 'The device id')
    .bytes(fields.signPublicKey)
    .bytes(fields.boxPublicKey)
    .varuint(fields.issuedAt, 'issuedAt')
    .finish();
}

/**
 * Sign a device's public keys with the user's identity key.
 * @example
 * const cert = certifyDevice(identity, {
 *   userId: 'u1', deviceId: 'd1', signPublicKey: dev.signPublicKey, boxPublicKey: dev.boxPublicKey, issuedAt: Date.now(),
 * });
 */
export function certifyDevice(identity: IdentityKeyPair, fields: Omit<DeviceCertificate, 'signature'>): DeviceCertificate {
  const body = encodeBody(fields);
  const signature = sodium().crypto_sign_detached(prefixed(contextBytes('deviceCertificate'), body), identity.secretKey);
  return {
    userId: fields.userId,
    deviceId: fields.deviceId,
    signPublicKey: fields.signPublicKey,
    boxPublicKey: fields.boxPublicKey,
    issuedAt: fields.issuedAt,
    signature,
  };
}

/**
 * Check that `cert` was signed by the identity key. Nothing else (expiry, revocation, who the
 * identity belongs to) is decided here.
 * @throws MekongError BAD_CERTIFICATE when it was not.
 * @example verifyDeviceCertificate(aliceIdentityKey, cert);
 */
export function verifyDeviceCertificate(identityPublicKey: SigningPublicKey, cert: DeviceCertificate): void {
  assertBytes(identityPublicKey, SIGN_PUBLIC_KEY_BYTES, 'The identity public key');
  const reject = () =>
    new MekongError(ErrorCode.BAD_CERTIFICATE, 'The device certificate is not signed by this identity key; do not trust the device.');
  let body: Uint8Array;
  try {
    body = encodeBody(cert);
  } catch {
    throw reject();
  }
  const { signature } = cert;
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) throw reject();
  if (!sodium().crypto_sign_verify_detached(signature, prefixed(contextBytes('deviceCertificate'), body), identityPublicKey)) {
    throw reject();
  }
}

/**
 * Bytes of a certificate, for storage and the wire.
 * @example const bytes = encodeDeviceCertificate(cert);
 */
export function encodeDeviceCertificate(cert: DeviceCertificate): Uint8Array {
  assertBytes(cert.signature, SIGNATURE_BYTES, 'The certificate signature');
  const body = encodeBody(cert);
  const out = new Uint8Array(body.length + SIGNATURE_BYTES);
  out.set(body);
  out.set(cert.signature, body.length);
  return out;
}

/**
 * Parse certificate bytes. Does not verify: call `verifyDeviceCertificate` next.
 * @throws MekongError MALFORMED_ENVELOPE when the bytes are not a certificate.
 * @example const cert = decodeDeviceCertificate(bytes); verifyDeviceCertificate(identityKey, cert);
 */
export function decodeDeviceCertificate(bytes: Uint8Array): DeviceCertificate {
  const r = new ByteReader(bytes, 'device certificate');
  if (r.u8() !== CERTIFICATE_VERSION) r.fail('unsupported version');
  const userId = r.string();
  const deviceId = r.string();
  const signPublicKey = r.bytes(SIGN_PUBLIC_KEY_BYTES).slice() as SigningPublicKey;
  const boxPublicKey = r.bytes(BOX_KEY_BYTES).slice() as BoxPublicKey;
  const issuedAt = r.varuint();
  const signature = r.bytes(SIGNATURE_BYTES).slice();
  r.end();
  return { userId, deviceId, signPublicKey, boxPublicKey, issuedAt, signature };
}
