// Signatures stored inside the conversation document, so whoever writes a snapshot cannot rewrite
// what others said or did: a message's author signature, and the signature on a reaction or a pin
// by a device of the user it names. Each kind has its own context; the caller supplies the
// canonical bytes (`canonicalMessage`, `canonicalReaction`, `canonicalPin` in @mekong/schema).
import { ErrorCode, MekongError } from '@mekong/schema';
import { type ContextName, contextBytes, prefixed } from './contexts';
import { sodium } from './sodium';
import {
  assertBytes,
  SIGN_PUBLIC_KEY_BYTES,
  SIGN_SECRET_KEY_BYTES,
  SIGNATURE_BYTES,
  type SigningPublicKey,
  type SigningSecretKey,
} from './types';

type DocContext = Extract<ContextName, 'messageSignature' | 'reactionSignature' | 'pinSignature'>;

const WHAT: Record<DocContext, string> = {
  messageSignature: 'The message signature does not match its author; show the message as unverified.',
  reactionSignature: 'The reaction signature does not match the user it names; the reaction is not shown.',
  pinSignature: 'The pin signature does not match the user it names; the pin is not shown.',
};

function sign(context: DocContext, secretKey: SigningSecretKey, canonical: Uint8Array): Uint8Array {
  assertBytes(secretKey, SIGN_SECRET_KEY_BYTES, 'The signing secret key');
  if (!(canonical instanceof Uint8Array)) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'The canonical bytes to sign must be a Uint8Array.');
  }
  return sodium().crypto_sign_detached(prefixed(contextBytes(context), canonical), secretKey);
}

function verify(context: DocContext, publicKey: SigningPublicKey, canonical: Uint8Array, signature: Uint8Array): void {
  assertBytes(publicKey, SIGN_PUBLIC_KEY_BYTES, 'The signing public key');
  const ok =
    canonical instanceof Uint8Array &&
    signature instanceof Uint8Array &&
    signature.length === SIGNATURE_BYTES &&
    sodium().crypto_sign_verify_detached(signature, prefixed(contextBytes(context), canonical), publicKey);
  if (!ok) throw new MekongError(ErrorCode.BAD_SIGNATURE, WHAT[context]);
}

/**
 * Sign the canonical encoding of a message with the author device's key (Ed25519 over
 * 'mekong/v1/message-signature' 0x00 ‖ canonical). Returns the 64-byte signature.
 * @example const sig = signMessage(device.signSecretKey, canonicalMessageBytes);
 */
export function signMessage(secretKey: SigningSecretKey, canonical: Uint8Array): Uint8Array {
  return sign('messageSignature', secretKey, canonical);
}

/**
 * Check a message signature made by `signMessage`.
 * @throws MekongError BAD_SIGNATURE when it does not verify (or is not 64 bytes).
 * @example verifyMessage(authorDevice.signPublicKey, canonicalMessageBytes, sig);
 */
export function verifyMessage(publicKey: SigningPublicKey, canonical: Uint8Array, signature: Uint8Array): void {
  verify('messageSignature', publicKey, canonical, signature);
}

/**
 * Sign the canonical encoding of a reaction (or its removal) with a device key of the user who
 * reacts (Ed25519 over 'mekong/v1/reaction-signature' 0x00 ‖ canonical).
 * @example const sig = signReaction(device.signSecretKey, canonicalReaction(conv, messageId, userId, value));
 */
export function signReaction(secretKey: SigningSecretKey, canonical: Uint8Array): Uint8Array {
  return sign('reactionSignature', secretKey, canonical);
}

/**
 * Check a reaction signature made by `signReaction`.
 * @throws MekongError BAD_SIGNATURE when it does not verify (or is not 64 bytes).
 * @example verifyReaction(device.signPublicKey, canonicalReaction(conv, messageId, userId, value), sig);
 */
export function verifyReaction(publicKey: SigningPublicKey, canonical: Uint8Array, signature: Uint8Array): void {
  verify('reactionSignature', publicKey, canonical, signature);
}

/**
 * Sign the canonical encoding of a pin (or an unpin) with a device key of the user who pins
 * (Ed25519 over 'mekong/v1/pin-signature' 0x00 ‖ canonical).
 * @example const sig = signPin(device.signSecretKey, canonicalPin(conv, messageId, value));
 */
export function signPin(secretKey: SigningSecretKey, canonical: Uint8Array): Uint8Array {
  return sign('pinSignature', secretKey, canonical);
}

/**
 * Check a pin signature made by `signPin`.
 * @throws MekongError BAD_SIGNATURE when it does not verify (or is not 64 bytes).
 * @example verifyPin(device.signPublicKey, canonicalPin(conv, messageId, value), sig);
 */
export function verifyPin(publicKey: SigningPublicKey, canonical: Uint8Array, signature: Uint8Array): void {
  verify('pinSignature', publicKey, canonical, signature);
}
