// Per-message author signatures stored inside the conversation document, so whoever writes a
// snapshot cannot rewrite what others said. The caller supplies the canonical bytes of a message.
import { ErrorCode, MekongError } from '@mekong/schema';
import { contextBytes, prefixed } from './contexts';
import { sodium } from './sodium';
import {
  assertBytes,
  SIGN_PUBLIC_KEY_BYTES,
  SIGN_SECRET_KEY_BYTES,
  SIGNATURE_BYTES,
  type SigningPublicKey,
  type SigningSecretKey,
} from './types';

/**
 * Sign the canonical encoding of a message with the author device's key (Ed25519 over
 * 'mekong/v1/message-signature' 0x00 ‖ canonical). Returns the 64-byte signature.
 * @example const sig = signMessage(device.signSecretKey, canonicalMessageBytes);
 */
export function signMessage(secretKey: SigningSecretKey, canonical: Uint8Array): Uint8Array {
  assertBytes(secretKey, SIGN_SECRET_KEY_BYTES, 'The signing secret key');
  if (!(canonical instanceof Uint8Array)) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'The canonical message must be a Uint8Array.');
  }
  return sodium().crypto_sign_detached(prefixed(contextBytes('messageSignature'), canonical), secretKey);
}

/**
 * Check a message signature made by `signMessage`.
 * @throws MekongError BAD_SIGNATURE when it does not verify (or is not 64 bytes).
 * @example verifyMessage(authorDevice.signPublicKey, canonicalMessageBytes, sig);
 */
export function verifyMessage(publicKey: SigningPublicKey, canonical: Uint8Array, signature: Uint8Array): void {
  assertBytes(publicKey, SIGN_PUBLIC_KEY_BYTES, 'The signing public key');
  const ok =
    canonical instanceof Uint8Array &&
    signature instanceof Uint8Array &&
    signature.length === SIGNATURE_BYTES &&
    sodium().crypto_sign_verify_detached(signature, prefixed(contextBytes('messageSignature'), canonical), publicKey);
  if (!ok) {
    throw new MekongError(ErrorCode.BAD_SIGNATURE, 'The message signature does not match its author; show the message as unverified.');
  }
}
