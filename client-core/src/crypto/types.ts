// Branded byte types: the compiler refuses a box key where a signing key belongs, and the
// `as*` constructors are the one place where raw bytes (from storage or the wire) become keys.
import { ErrorCode, MekongError } from '@mekong/schema';

type Branded<B extends string> = Uint8Array & { readonly __brand: B };

/** Ed25519 public key (32 bytes): a user's identity or a device's signing key. */
export type SigningPublicKey = Branded<'SigningPublicKey'>;
/** Ed25519 secret key in libsodium's 64-byte form (seed ‖ public key). */
export type SigningSecretKey = Branded<'SigningSecretKey'>;
/** X25519 public key (32 bytes) that sealed boxes are addressed to. */
export type BoxPublicKey = Branded<'BoxPublicKey'>;
/** X25519 secret key (32 bytes). */
export type BoxSecretKey = Branded<'BoxSecretKey'>;
/** Symmetric key (32 bytes) of one conversation epoch; encrypts envelopes only. */
export type EpochKey = Branded<'EpochKey'>;
/** Symmetric key (32 bytes) derived from the password; encrypts the key backup only. */
export type BackupKey = Branded<'BackupKey'>;

export const SIGN_PUBLIC_KEY_BYTES = 32;
export const SIGN_SECRET_KEY_BYTES = 64;
export const BOX_KEY_BYTES = 32;
export const SYMMETRIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** XChaCha20-Poly1305 nonce and tag sizes. */
export const NONCE_BYTES = 24;
export const AEAD_TAG_BYTES = 16;

/** Throw BAD_REQUEST unless `bytes` is a Uint8Array of exactly `length` bytes. */
export function assertBytes(bytes: unknown, length: number, what: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new MekongError(ErrorCode.BAD_REQUEST, `${what} must be ${length} bytes; pass the key or value unchanged.`);
  }
}

function brand<T extends Uint8Array>(bytes: Uint8Array, length: number, what: string): T {
  assertBytes(bytes, length, what);
  return bytes as T;
}

/**
 * Treat 32 bytes as an Ed25519 public key (for example one read from a certificate or storage).
 * @example const pk = asSigningPublicKey(fromBase64url(stored));
 */
export function asSigningPublicKey(bytes: Uint8Array): SigningPublicKey {
  return brand(bytes, SIGN_PUBLIC_KEY_BYTES, 'A signing public key');
}

/**
 * Treat 64 bytes as an Ed25519 secret key.
 * @example const sk = asSigningSecretKey(fromBase64url(stored));
 */
export function asSigningSecretKey(bytes: Uint8Array): SigningSecretKey {
  return brand(bytes, SIGN_SECRET_KEY_BYTES, 'A signing secret key');
}

/**
 * Treat 32 bytes as an X25519 public key.
 * @example const pk = asBoxPublicKey(fromBase64url(stored));
 */
export function asBoxPublicKey(bytes: Uint8Array): BoxPublicKey {
  return brand(bytes, BOX_KEY_BYTES, 'A box public key');
}

/**
 * Treat 32 bytes as an X25519 secret key.
 * @example const sk = asBoxSecretKey(fromBase64url(stored));
 */
export function asBoxSecretKey(bytes: Uint8Array): BoxSecretKey {
  return brand(bytes, BOX_KEY_BYTES, 'A box secret key');
}

/**
 * Treat 32 bytes as a conversation epoch key.
 * @example const key = asEpochKey(fromBase64url(stored));
 */
export function asEpochKey(bytes: Uint8Array): EpochKey {
  return brand(bytes, SYMMETRIC_KEY_BYTES, 'An epoch key');
}

/**
 * Treat 32 bytes as a backup key.
 * @example const key = asBackupKey(fromBase64url(stored));
 */
export function asBackupKey(bytes: Uint8Array): BackupKey {
  return brand(bytes, SYMMETRIC_KEY_BYTES, 'A backup key');
}
