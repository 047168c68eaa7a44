// The byte format of encrypted media (version 1), shared by encryption and decryption:
//
//   version (1 byte, 0x01) ‖ secretstream header (24 bytes) ‖ chunk₁ ‖ … ‖ chunkₙ
//
// Each chunk is crypto_secretstream_xchacha20poly1305 over 64 KiB of the file (the last one over
// the 0–64 KiB left), 17 bytes longer than its plaintext, with the version byte as associated
// data. Only the last chunk carries TAG_FINAL; an empty file is one empty final chunk. So a cut
// at a chunk boundary (no final tag), a cut inside a chunk, a swapped or altered chunk and bytes
// after the final chunk are all detected.
import { ErrorCode, MekongError } from '@mekong/schema';

export const MEDIA_FORMAT_VERSION = 1;
/** Plaintext bytes per chunk. */
export const MEDIA_CHUNK_BYTES = 64 * 1024;
export const HEADER_BYTES = 24;
/** Bytes each chunk adds (tag byte and Poly1305 MAC). */
export const CHUNK_OVERHEAD = 17;
export const ENCRYPTED_CHUNK_BYTES = MEDIA_CHUNK_BYTES + CHUNK_OVERHEAD;
export const PREFIX_BYTES = 1 + HEADER_BYTES;
export const KEY_BYTES = 32;
/** Associated data of every chunk: binds the version byte, which the header does not cover. */
export const CHUNK_AD = new Uint8Array([MEDIA_FORMAT_VERSION]);

/** A fresh symmetric key (32 bytes) that encrypts one media file and nothing else. */
export type MediaKey = Uint8Array & { readonly __brand: 'MediaKey' };

/**
 * Treat 32 bytes as a media key (for example one decoded from a message's media reference).
 * @example const key = asMediaKey(fromBase64url(message.media.key));
 */
export function asMediaKey(bytes: Uint8Array): MediaKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== KEY_BYTES) {
    throw new MekongError(ErrorCode.BAD_REQUEST, `A media key must be ${KEY_BYTES} bytes; pass the key from the message unchanged.`);
  }
  return bytes as MediaKey;
}

/**
 * Bytes of the encrypted form of a file of `plainBytes` bytes (what is uploaded and counts
 * against the quota).
 * @example encryptedMediaSize(0) // 42: version, header and one empty final chunk
 */
export function encryptedMediaSize(plainBytes: number): number {
  const chunks = Math.max(1, Math.ceil(plainBytes / MEDIA_CHUNK_BYTES));
  return PREFIX_BYTES + plainBytes + chunks * CHUNK_OVERHEAD;
}

export type DecryptFailure = 'format' | 'tampered' | 'truncated' | 'trailing';

const MESSAGES: Record<DecryptFailure, string> = {
  format: 'This is not encrypted media of a known version; the file or its reference is wrong.',
  tampered: 'The media does not decrypt: the key is wrong or the file was altered or reordered.',
  truncated: 'The media is incomplete: it ends before its last chunk; download it again.',
  trailing: 'The media has bytes after its last chunk: the file was altered.',
};

/** DECRYPT_FAILED with `details.reason` saying what was wrong. */
export function decryptFailed(reason: DecryptFailure): MekongError {
  return new MekongError(ErrorCode.DECRYPT_FAILED, MESSAGES[reason], { reason });
}
