// Signatures and hashes of membership-log entries, in their own signing context so that no other
// signed object (message, envelope, certificate) can ever pass for a membership change.
import { ErrorCode, MekongError } from '@mekong/schema';
import { contextBytes, prefixed } from './contexts';
import { sodium } from './sodium';
import { assertBytes, SIGN_PUBLIC_KEY_BYTES, SIGN_SECRET_KEY_BYTES, SIGNATURE_BYTES, type SigningPublicKey, type SigningSecretKey } from './types';

/**
 * Sign the canonical bytes of a membership entry with the author device's key.
 * @example const sig = signMembershipEntry(device.signSecretKey, canonicalEntry(unsigned));
 */
export function signMembershipEntry(secretKey: SigningSecretKey, canonical: Uint8Array): Uint8Array {
  assertBytes(secretKey, SIGN_SECRET_KEY_BYTES, 'The signing secret key');
  return sodium().crypto_sign_detached(prefixed(contextBytes('membershipEntry'), canonical), secretKey);
}

/**
 * @throws MekongError BAD_SIGNATURE when the signature does not verify.
 * @example verifyMembershipEntry(cert.signPublicKey, canonicalEntry(entry), sig);
 */
export function verifyMembershipEntry(publicKey: SigningPublicKey, canonical: Uint8Array, signature: Uint8Array): void {
  assertBytes(publicKey, SIGN_PUBLIC_KEY_BYTES, 'The signing public key');
  const ok =
    signature instanceof Uint8Array &&
    signature.length === SIGNATURE_BYTES &&
    sodium().crypto_sign_verify_detached(signature, prefixed(contextBytes('membershipEntry'), canonical), publicKey);
  if (!ok) throw new MekongError(ErrorCode.BAD_SIGNATURE, 'A membership change is not signed by the device it names; the log was tampered with.');
}

/**
 * The chain hash of an entry: BLAKE2b-256 over (context ‖ canonical ‖ signature).
 * @example const prev = hashMembershipEntry(canonicalEntry(last), lastSig);
 */
export function hashMembershipEntry(canonical: Uint8Array, signature: Uint8Array): Uint8Array {
  const body = new Uint8Array(canonical.length + signature.length);
  body.set(canonical);
  body.set(signature, canonical.length);
  return sodium().crypto_generichash(32, prefixed(contextBytes('membershipHash'), body), null);
}
