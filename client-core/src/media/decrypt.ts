// Decrypts media encrypted by encryptMedia, whole or as a stream, checking every chunk and the end.
import { ErrorCode, MekongError } from '@mekong/schema';
import { sodium } from '../crypto/sodium';
import { asMediaKey, CHUNK_AD, decryptFailed, ENCRYPTED_CHUNK_BYTES, HEADER_BYTES, MEDIA_FORMAT_VERSION, type MediaKey, PREFIX_BYTES } from './format';

/** Feeds ciphertext in, gets verified plaintext chunks out; `end()` checks the final tag was seen. */
class Opener {
  private state: unknown;
  private buffered: Uint8Array = new Uint8Array(0);
  private done = false;

  constructor(private readonly key: MediaKey) {}

  /** Plaintext of every complete chunk in `bytes` (and what came before), in order. */
  write(bytes: Uint8Array): Uint8Array[] {
    this.buffered = this.buffered.length === 0 ? bytes : join(this.buffered, bytes);
    const out: Uint8Array[] = [];
    if (this.state === undefined) {
      if (this.buffered.length < PREFIX_BYTES) return out;
      this.begin(this.buffered.subarray(0, PREFIX_BYTES));
      this.buffered = this.buffered.subarray(PREFIX_BYTES);
    }
    // A full-size chunk may be the last one: it is opened as soon as it is complete, and its tag says.
    while (this.buffered.length >= ENCRYPTED_CHUNK_BYTES) {
      out.push(this.open(this.buffered.subarray(0, ENCRYPTED_CHUNK_BYTES)));
      this.buffered = this.buffered.subarray(ENCRYPTED_CHUNK_BYTES);
    }
    if (this.done && this.buffered.length > 0) throw decryptFailed('trailing');
    return out;
  }

  /** The plaintext of the last, shorter chunk, if any; throws unless the input ended with its final chunk. */
  end(): Uint8Array[] {
    if (this.state === undefined) {
      throw decryptFailed(this.buffered.length > 0 && this.buffered[0] !== MEDIA_FORMAT_VERSION ? 'format' : 'truncated');
    }
    if (this.done) {
      if (this.buffered.length > 0) throw decryptFailed('trailing');
      return [];
    }
    // ending on a chunk boundary without a final tag: chunks were cut off the end
    if (this.buffered.length === 0) throw decryptFailed('truncated');
    const last = this.open(this.buffered);
    this.buffered = new Uint8Array(0);
    if (!this.done) throw decryptFailed('truncated');
    return [last];
  }

  private begin(prefix: Uint8Array): void {
    if (prefix[0] !== MEDIA_FORMAT_VERSION) throw decryptFailed('format');
    try {
      this.state = sodium().crypto_secretstream_xchacha20poly1305_init_pull(prefix.subarray(1, 1 + HEADER_BYTES), this.key);
    } catch {
      throw decryptFailed('format');
    }
  }

  private open(chunk: Uint8Array): Uint8Array {
    if (this.done) throw decryptFailed('trailing');
    const s = sodium();
    const result = s.crypto_secretstream_xchacha20poly1305_pull(this.state as never, chunk, CHUNK_AD);
    if (!result) throw decryptFailed('tampered');
    if (result.tag === s.crypto_secretstream_xchacha20poly1305_TAG_FINAL) this.done = true;
    else if (result.tag !== s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) throw decryptFailed('tampered');
    return result.message;
  }
}

/**
 * Decrypt media downloaded from the media service with the key from its message. Given bytes,
 * returns the whole file once every chunk and the end are verified. Given a stream, returns a
 * stream of plaintext chunks, each verified before it is released; the stream errors with
 * DECRYPT_FAILED if the file turns out altered or cut short, so show nothing of a stream that errored.
 * @throws MekongError DECRYPT_FAILED (`details.reason`: tampered, truncated, trailing, format); BAD_REQUEST for a key that is not 32 bytes.
 * @example
 * const photo = decryptMedia(ciphertext, asMediaKey(fromBase64url(message.media.key)));
 */
export function decryptMedia(ciphertext: Uint8Array, key: MediaKey): Uint8Array;
export function decryptMedia(ciphertext: ReadableStream<Uint8Array>, key: MediaKey): ReadableStream<Uint8Array>;
export function decryptMedia(ciphertext: Uint8Array | ReadableStream<Uint8Array>, key: MediaKey): Uint8Array | ReadableStream<Uint8Array> {
  const opener = new Opener(asMediaKey(key));
  if (ciphertext instanceof Uint8Array) {
    const parts = [...opener.write(ciphertext), ...opener.end()];
    return parts.length === 1 ? (parts[0] as Uint8Array) : joinAll(parts);
  }
  return decryptStream(ciphertext, opener);
}

function decryptStream(source: ReadableStream<Uint8Array>, opener: Opener): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const next = await reader.read();
          const out = next.done ? opener.end() : opener.write(next.value);
          for (const chunk of out) controller.enqueue(chunk);
          if (next.done) return controller.close();
          if (out.length > 0) return;
        }
      } catch (err) {
        await reader.cancel().catch(() => undefined);
        controller.error(err instanceof MekongError ? err : new MekongError(ErrorCode.UNAVAILABLE, 'The media download broke off; try again.'));
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function joinAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
