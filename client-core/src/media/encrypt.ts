// Encrypts a media file under a fresh key, whole or as a stream (see format.ts for the bytes).
import { randomBytes } from '../crypto/random';
import { sodium } from '../crypto/sodium';
import { asMediaKey, CHUNK_AD, encryptedMediaSize, KEY_BYTES, MEDIA_CHUNK_BYTES, MEDIA_FORMAT_VERSION, type MediaKey, PREFIX_BYTES } from './format';

export interface EncryptedMedia {
  /** The file's own key: it goes into the message (inside the encrypted conversation), never to the media service. */
  key: MediaKey;
  /** Version byte, secretstream header and chunks: what is uploaded. */
  ciphertext: Uint8Array<ArrayBuffer>;
}

export interface EncryptedMediaStream {
  key: MediaKey;
  /** Encrypted chunks, produced as the plaintext is read (one chunk ahead at most). */
  ciphertext: ReadableStream<Uint8Array>;
}

function start(): { key: MediaKey; prefix: Uint8Array; push: (chunk: Uint8Array, last: boolean) => Uint8Array } {
  const s = sodium();
  const key = asMediaKey(randomBytes(KEY_BYTES));
  const { state, header } = s.crypto_secretstream_xchacha20poly1305_init_push(key);
  const prefix = new Uint8Array(PREFIX_BYTES);
  prefix[0] = MEDIA_FORMAT_VERSION;
  prefix.set(header, 1);
  const push = (chunk: Uint8Array, last: boolean) =>
    s.crypto_secretstream_xchacha20poly1305_push(
      state,
      chunk,
      CHUNK_AD,
      last ? s.crypto_secretstream_xchacha20poly1305_TAG_FINAL : s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
    );
  return { key, prefix, push };
}

/**
 * Encrypt a media file with a fresh random key before upload. Given bytes, returns the whole
 * ciphertext; given a stream, returns a stream of it, so a large file never sits in memory twice.
 * Call `cryptoReady()` (or create a client) first.
 * @example
 * const { key, ciphertext } = encryptMedia(photoBytes);
 * const { key, ciphertext } = encryptMedia(file.stream()); // a ReadableStream of encrypted chunks
 */
export function encryptMedia(plaintext: Uint8Array): EncryptedMedia;
export function encryptMedia(plaintext: ReadableStream<Uint8Array>): EncryptedMediaStream;
export function encryptMedia(plaintext: Uint8Array | ReadableStream<Uint8Array>): EncryptedMedia | EncryptedMediaStream {
  return plaintext instanceof Uint8Array ? encryptBytes(plaintext) : encryptStream(plaintext);
}

function encryptBytes(plaintext: Uint8Array): EncryptedMedia {
  const { key, prefix, push } = start();
  const out = new Uint8Array(encryptedMediaSize(plaintext.length));
  out.set(prefix, 0);
  let at = PREFIX_BYTES;
  for (let offset = 0; ; offset += MEDIA_CHUNK_BYTES) {
    const end = Math.min(plaintext.length, offset + MEDIA_CHUNK_BYTES);
    const last = end === plaintext.length;
    const chunk = push(plaintext.subarray(offset, end), last);
    out.set(chunk, at);
    at += chunk.length;
    if (last) break;
  }
  return { key, ciphertext: out };
}

function encryptStream(plaintext: ReadableStream<Uint8Array>): EncryptedMediaStream {
  const { key, prefix, push } = start();
  const reader = plaintext.getReader();
  // Plaintext waiting to be encrypted. A chunk is sealed only once more bytes follow it, so the
  // last one, whatever its length, is the one that gets the final tag.
  let pending: Uint8Array = new Uint8Array(0);
  let sentPrefix = false;
  let finished = false;
  const ciphertext = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentPrefix) {
        sentPrefix = true;
        controller.enqueue(prefix);
        return;
      }
      while (pending.length <= MEDIA_CHUNK_BYTES && !finished) {
        const next = await reader.read();
        if (next.done) finished = true;
        else if (next.value.length > 0) pending = concat(pending, next.value);
      }
      if (pending.length > MEDIA_CHUNK_BYTES) {
        controller.enqueue(push(pending.subarray(0, MEDIA_CHUNK_BYTES), false));
        pending = pending.subarray(MEDIA_CHUNK_BYTES); // a view: a large source chunk is not copied again per chunk
        return;
      }
      controller.enqueue(push(pending, true));
      pending = new Uint8Array(0);
      controller.close();
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { key, ciphertext };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
