// Encryption of the user's key backup under the password-derived backup key.
//
// Format version 1: [version u8 = 1][nonce 24][XChaCha20-Poly1305-IETF ciphertext]
// with AD = 'mekong/v1/backup' 0x00 ‖ version byte, so the backup key and these bytes are
// never interchangeable with an envelope or any other sealed structure.
import { ErrorCode, MekongError } from '@mekong/schema';
import { contextBytes, prefixed } from './contexts';
import { randomBytes } from './random';
import { sodium } from './sodium';
import { AEAD_TAG_BYTES, assertBytes, type BackupKey, NONCE_BYTES, SYMMETRIC_KEY_BYTES } from './types';

const BACKUP_VERSION = 1;
const VERSION_BYTE = new Uint8Array([BACKUP_VERSION]);

function associatedData(): Uint8Array {
  return prefixed(contextBytes('backup'), VERSION_BYTE);
}

/** Encrypt with a caller-chosen nonce. Internal: for known-answer tests only. */
export function encryptBackupWithNonce(key: BackupKey, plaintext: Uint8Array, nonce: Uint8Array): Uint8Array {
  assertBytes(key, SYMMETRIC_KEY_BYTES, 'The backup key');
  assertBytes(nonce, NONCE_BYTES, 'The nonce');
  if (!(plaintext instanceof Uint8Array)) throw new MekongError(ErrorCode.BAD_REQUEST, 'The backup plaintext must be a Uint8Array.');
  const ciphertext = sodium().crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, associatedData(), null, nonce, key);
  const out = new Uint8Array(1 + NONCE_BYTES + ciphertext.length);
  out[0] = BACKUP_VERSION;
  out.set(nonce, 1);
  out.set(ciphertext, 1 + NONCE_BYTES);
  return out;
}

/**
 * Encrypt the serialized key backup before it is uploaded.
 * @example const blob = encryptBackup(backupKey, serializedKeys);
 */
export function encryptBackup(key: BackupKey, plaintext: Uint8Array): Uint8Array {
  return encryptBackupWithNonce(key, plaintext, randomBytes(NONCE_BYTES));
}

/**
 * Decrypt a key backup.
 * @throws MekongError MALFORMED_ENVELOPE (not a backup) or DECRYPT_FAILED (wrong password or tampered).
 * @example const serializedKeys = decryptBackup(backupKey, blob);
 */
export function decryptBackup(key: BackupKey, data: Uint8Array): Uint8Array {
  assertBytes(key, SYMMETRIC_KEY_BYTES, 'The backup key');
  if (!(data instanceof Uint8Array) || data.length < 1 + NONCE_BYTES + AEAD_TAG_BYTES) {
    throw new MekongError(ErrorCode.MALFORMED_ENVELOPE, 'The key backup is truncated or not a backup; restore it from the server again.');
  }
  if (data[0] !== BACKUP_VERSION) {
    throw new MekongError(ErrorCode.MALFORMED_ENVELOPE, 'The key backup has an unsupported version; update the app.');
  }
  try {
    return sodium().crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      data.subarray(1 + NONCE_BYTES),
      associatedData(),
      data.subarray(1, 1 + NONCE_BYTES),
      key,
    );
  } catch {
    throw new MekongError(ErrorCode.DECRYPT_FAILED, 'The key backup does not decrypt: the password is wrong or the backup was altered.');
  }
}
