// Password-derived secrets. One Argon2id run on the client yields two independent keys:
// `loginSecret`, the only thing the server ever sees (it stores a hash of it), and
// `backupKey`, which decrypts the user's key backup and never leaves the device. Knowing
// the login secret tells nothing about the backup key (independent KDF subkeys).
//
// salt   = BLAKE2b-128('mekong/v1/password-salt' 0x00 ‖ UTF-8(NFC(lowercase(username))))
// master = Argon2id13(NFC(password), salt, OPSLIMIT/MEMLIMIT_INTERACTIVE by default), 32 bytes
// login  = crypto_kdf_derive_from_key(32, id 1, 'mkpasswd', master)   → base64url
// backup = crypto_kdf_derive_from_key(32, id 2, 'mkpasswd', master)
//
// The salt is deterministic so a new browser can re-derive the same secrets from username and
// password alone. The master is 32 bytes because crypto_kdf takes exactly a 32-byte key.
// Both inputs are NFC-normalised: the same Vietnamese text typed on different systems may
// arrive composed or decomposed and must still log in.
import { ErrorCode, MekongError } from '@mekong/schema/errors';
import { utf8 } from './binary';
import { contextBytes, KDF_CONTEXT_PASSWORD, prefixed } from './contexts';
import { toBase64url } from './encoding';
import { sodium } from './sodium';
import type { BackupKey } from './types';

const SALT_BYTES = 16;
const MASTER_BYTES = 32;
const SUBKEY_BYTES = 32;
const LOGIN_SUBKEY_ID = 1;
const BACKUP_SUBKEY_ID = 2;

/** Argon2id cost: 'interactive' (64 MiB, 2 passes, ≈0.3 s) or 'moderate' (256 MiB, 3 passes, ≈1.3 s). */
export type PasswordStrength = 'interactive' | 'moderate';

/** Username as it enters the salt: lower-cased, then NFC. */
export function normalizeUsername(username: string): string {
  return username.toLowerCase().normalize('NFC');
}

/**
 * Derive the login secret and the backup key from username and password. Runs Argon2id
 * synchronously inside; in a browser prefer calling it from a worker.
 *
 * @example
 * const { loginSecret, backupKey } = await derivePasswordSecrets('lan', 'correct horse');
 * await api.login({ username: 'lan', secret: loginSecret });
 */
export async function derivePasswordSecrets(
  username: string,
  password: string,
  opts: { strength?: PasswordStrength } = {},
): Promise<{ loginSecret: string; backupKey: BackupKey }> {
  const s = sodium();
  if (typeof username !== 'string' || username.length === 0) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'A username is required to derive password secrets.');
  }
  if (typeof password !== 'string' || password.length === 0) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'A password is required to derive password secrets.');
  }
  const strength = opts.strength ?? 'interactive';
  if (strength !== 'interactive' && strength !== 'moderate') {
    throw new MekongError(ErrorCode.BAD_REQUEST, "Password strength must be 'interactive' or 'moderate'.");
  }
  const moderate = strength === 'moderate';
  const salt = s.crypto_generichash(
    SALT_BYTES,
    prefixed(contextBytes('passwordSalt'), utf8(normalizeUsername(username), 'The username')),
    null,
  );
  const passwordBytes = utf8(password.normalize('NFC'), 'The password');
  const master = s.crypto_pwhash(
    MASTER_BYTES,
    passwordBytes,
    salt,
    moderate ? s.crypto_pwhash_OPSLIMIT_MODERATE : s.crypto_pwhash_OPSLIMIT_INTERACTIVE,
    moderate ? s.crypto_pwhash_MEMLIMIT_MODERATE : s.crypto_pwhash_MEMLIMIT_INTERACTIVE,
    s.crypto_pwhash_ALG_ARGON2ID13,
  );
  s.memzero(passwordBytes);
  const login = s.crypto_kdf_derive_from_key(SUBKEY_BYTES, LOGIN_SUBKEY_ID, KDF_CONTEXT_PASSWORD, master);
  const backupKey = s.crypto_kdf_derive_from_key(SUBKEY_BYTES, BACKUP_SUBKEY_ID, KDF_CONTEXT_PASSWORD, master) as BackupKey;
  s.memzero(master);
  const loginSecret = toBase64url(login);
  s.memzero(login);
  return { loginSecret, backupKey };
}

/**
 * How a client turns username and password into its secrets: `derivePasswordSecrets` on the calling
 * thread by default. A browser app passes one that runs it in a worker (see `ClientOptions`), so the
 * page keeps responding during the Argon2id run (≈0.3 s, seconds on a slow phone).
 */
export type PasswordDeriver = (username: string, password: string) => Promise<{ loginSecret: string; backupKey: BackupKey }>;
