// Key generation: a user's identity key, a device's signing and box keys, and epoch keys.
import { KDF_CONTEXT_DEVICE_SEED } from './contexts';
import { randomBytes } from './random';
import { sodium } from './sodium';
import {
  assertBytes,
  type BoxPublicKey,
  type BoxSecretKey,
  type EpochKey,
  type SigningPublicKey,
  type SigningSecretKey,
  SYMMETRIC_KEY_BYTES,
} from './types';

export const SEED_BYTES = 32;

/** A user's long-lived Ed25519 identity key pair; it certifies the user's devices. */
export interface IdentityKeyPair {
  publicKey: SigningPublicKey;
  secretKey: SigningSecretKey;
}

/** One device's keys: Ed25519 to sign what it writes, X25519 to receive sealed epoch keys. */
export interface DeviceKeyPair {
  signPublicKey: SigningPublicKey;
  signSecretKey: SigningSecretKey;
  boxPublicKey: BoxPublicKey;
  boxSecretKey: BoxSecretKey;
}

function seedOrRandom(seed: Uint8Array | undefined): Uint8Array {
  if (seed === undefined) return randomBytes(SEED_BYTES);
  assertBytes(seed, SEED_BYTES, 'A key seed');
  return seed;
}

/**
 * Create an identity key pair. Pass a 32-byte `seed` only for tests and known-answer vectors;
 * without it the key is random.
 * @example const identity = generateIdentity();
 */
export function generateIdentity(seed?: Uint8Array): IdentityKeyPair {
  const kp = sodium().crypto_sign_seed_keypair(seedOrRandom(seed));
  return { publicKey: kp.publicKey as SigningPublicKey, secretKey: kp.privateKey as SigningSecretKey };
}

/**
 * Create a device's signing and box key pairs. Both come from one seed through the KDF with
 * different subkey ids, so the two key pairs never share secret material.
 * @example const device = generateDeviceKeys();
 */
export function generateDeviceKeys(seed?: Uint8Array): DeviceKeyPair {
  const s = sodium();
  const root = seedOrRandom(seed);
  const signSeed = s.crypto_kdf_derive_from_key(SEED_BYTES, 1, KDF_CONTEXT_DEVICE_SEED, root);
  const boxSeed = s.crypto_kdf_derive_from_key(SEED_BYTES, 2, KDF_CONTEXT_DEVICE_SEED, root);
  const sign = s.crypto_sign_seed_keypair(signSeed);
  const box = s.crypto_box_seed_keypair(boxSeed);
  s.memzero(signSeed);
  s.memzero(boxSeed);
  return {
    signPublicKey: sign.publicKey as SigningPublicKey,
    signSecretKey: sign.privateKey as SigningSecretKey,
    boxPublicKey: box.publicKey as BoxPublicKey,
    boxSecretKey: box.privateKey as BoxSecretKey,
  };
}

/**
 * A fresh random key for one conversation epoch.
 * @example const key = generateEpochKey();
 */
export function generateEpochKey(): EpochKey {
  return randomBytes(SYMMETRIC_KEY_BYTES) as EpochKey;
}
