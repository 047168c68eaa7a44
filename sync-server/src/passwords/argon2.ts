// Argon2id through libsodium. Each call blocks the event loop for its whole cost (about
// 0.2–0.35 s per call at the interactive limits on one core); the port lets a worker pool replace it.
import sodium from 'libsodium-wrappers-sumo';
import type { PasswordHasher } from './port';

export interface Argon2Limits {
  opslimit: number;
  memlimit: number;
}

/** libsodium's interactive limits: 2 passes over 64 MiB. */
export async function interactiveLimits(): Promise<Argon2Limits> {
  await sodium.ready;
  return { opslimit: sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE, memlimit: sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE };
}

/** The cheapest limits libsodium allows: for tests only, never for stored credentials. */
export async function minimalLimits(): Promise<Argon2Limits> {
  await sodium.ready;
  return { opslimit: sodium.crypto_pwhash_OPSLIMIT_MIN, memlimit: sodium.crypto_pwhash_MEMLIMIT_MIN };
}

export async function createArgon2Hasher(limits?: Argon2Limits): Promise<PasswordHasher> {
  await sodium.ready;
  const { opslimit, memlimit } = limits ?? (await interactiveLimits());
  return {
    async hash(secret) {
      return sodium.crypto_pwhash_str(secret, opslimit, memlimit);
    },
    async verify(hash, secret) {
      try {
        return sodium.crypto_pwhash_str_verify(hash, secret);
      } catch {
        return false;
      }
    },
  };
}
