// Upload and download of encrypted media through the media service (/api/media), with the
// session's access token. Only ciphertext crosses the wire; keys stay in the caller's hands.
import { ErrorCode, isErrorCode, MAX_MEDIA_BYTES, MekongError } from '@mekong/schema';
import { fromBase64url, toBase64url } from '../crypto/encoding';
import { decryptMedia } from './decrypt';
import { encryptMedia } from './encrypt';
import { asMediaKey, encryptedMediaSize } from './format';

/**
 * What the media helpers need from an authenticated API client: its base URL and fresh access
 * tokens. The client's `ApiClient` has exactly this shape.
 */
export interface MediaApi {
  readonly base: string;
  /** An access token valid for at least a minute more. */
  freshAccessToken(): Promise<string>;
  /** Renew the access token (after the server said it is no longer valid). */
  refresh(): Promise<void>;
}

export interface MediaHttpOptions {
  /** fetch to use; the global one by default. */
  fetch?: typeof fetch;
}

/** What a message needs to point at an uploaded file: put these in its media reference. */
export interface UploadedMedia {
  blobId: string;
  /** The file key, base64url: travels only inside the end-to-end encrypted message. */
  key: string;
  /** Bytes of the plaintext file. */
  size: number;
  /** Bytes stored on the server (counted against the uploader's quota). */
  encryptedSize: number;
}

const network = (base: string) => new MekongError(ErrorCode.UNAVAILABLE, `Cannot reach the server at ${base}. Check the address and your connection.`);

/** The typed error of a non-2xx answer, from its `{ error: { code, message } }` body. */
async function failure(res: Response): Promise<MekongError> {
  let body: { error?: { code?: unknown; message?: unknown } } | undefined;
  try {
    body = (await res.json()) as typeof body;
  } catch {
    body = undefined;
  }
  const code = isErrorCode(body?.error?.code) ? body.error.code : res.status >= 500 ? ErrorCode.UNAVAILABLE : ErrorCode.BAD_REQUEST;
  const message = typeof body?.error?.message === 'string' ? body.error.message : `The server answered ${res.status}.`;
  return new MekongError(code, message, { status: res.status });
}

const expired = (res: Response) => res.status === 401;

/**
 * Sends a request with the access token; when the body can be sent again, a 401 (token expired
 * meanwhile) renews the token once and retries.
 */
async function send(api: MediaApi, path: string, init: RequestInit & { duplex?: 'half' }, opts: MediaHttpOptions, retry: boolean): Promise<Response> {
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => globalThis.fetch(...a));
  const attempt = async () => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${await api.freshAccessToken()}`);
    try {
      return await doFetch(new URL(path, api.base).toString(), { ...init, headers });
    } catch {
      throw network(api.base);
    }
  };
  let res = await attempt();
  if (expired(res) && retry) {
    await res.body?.cancel();
    await api.refresh();
    res = await attempt();
  }
  if (!res.ok) throw await failure(res);
  return res;
}

/**
 * Encrypt `file` with a fresh key and upload the ciphertext. Bytes are sent with their length;
 * a stream is encrypted and sent as it is read (Node, or browsers over HTTP/2).
 * @throws MekongError PAYLOAD_TOO_LARGE (above the server's limit), QUOTA_EXCEEDED, UNAUTHENTICATED, UNAVAILABLE.
 * @example
 * const media = await uploadMedia(client.api, photoBytes);
 * // message.media = { blobId: media.blobId, key: media.key, size: media.size, mime: 'image/jpeg' }
 */
export async function uploadMedia(api: MediaApi, file: Uint8Array | ReadableStream<Uint8Array>, opts: MediaHttpOptions = {}): Promise<UploadedMedia> {
  const headers = { 'content-type': 'application/octet-stream' };
  if (file instanceof Uint8Array) {
    if (encryptedMediaSize(file.length) > MAX_MEDIA_BYTES) {
      throw new MekongError(ErrorCode.PAYLOAD_TOO_LARGE, `Media files are limited to about ${Math.floor(MAX_MEDIA_BYTES / 1024 / 1024)} MiB; send a smaller file.`);
    }
    const { key, ciphertext } = encryptMedia(file);
    const res = await send(api, '/api/media', { method: 'POST', headers, body: ciphertext }, opts, true);
    const { id, size } = (await res.json()) as { id: string; size: number };
    return { blobId: id, key: toBase64url(key), size: file.length, encryptedSize: size };
  }
  let plainBytes = 0;
  const counted = file.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        plainBytes += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
  const { key, ciphertext } = encryptMedia(counted);
  const res = await send(api, '/api/media', { method: 'POST', headers, body: ciphertext, duplex: 'half' }, opts, false);
  const { id, size } = (await res.json()) as { id: string; size: number };
  return { blobId: id, key: toBase64url(key), size: plainBytes, encryptedSize: size };
}

/** A message's media reference, or the part of it the download needs. */
export interface MediaRefLike {
  blobId: string;
  /** base64url, as in the message. */
  key: string;
}

/**
 * Download a file and decrypt it, verifying every chunk and its end.
 * @throws MekongError NOT_FOUND (deleted), DECRYPT_FAILED (altered, cut short or wrong key), UNAVAILABLE.
 * @example
 * const photo = await downloadMedia(client.api, message.media);
 */
export async function downloadMedia(api: MediaApi, ref: MediaRefLike, opts: MediaHttpOptions = {}): Promise<Uint8Array> {
  const key = asMediaKey(fromBase64url(ref.key));
  const res = await send(api, `/api/media/${encodeURIComponent(ref.blobId)}`, { method: 'GET' }, opts, true);
  let ciphertext: Uint8Array;
  try {
    ciphertext = new Uint8Array(await res.arrayBuffer());
  } catch {
    throw new MekongError(ErrorCode.UNAVAILABLE, 'The media download broke off; try again.');
  }
  return decryptMedia(ciphertext, key);
}

/**
 * Download a file as a stream of verified plaintext chunks, for files too large to hold at once.
 * The stream errors with DECRYPT_FAILED if the file proves altered or cut short: discard what it gave.
 * @example
 * const stream = await downloadMediaStream(client.api, message.media);
 */
export async function downloadMediaStream(api: MediaApi, ref: MediaRefLike, opts: MediaHttpOptions = {}): Promise<ReadableStream<Uint8Array>> {
  const key = asMediaKey(fromBase64url(ref.key));
  const res = await send(api, `/api/media/${encodeURIComponent(ref.blobId)}`, { method: 'GET' }, opts, true);
  if (!res.body) throw new MekongError(ErrorCode.UNAVAILABLE, 'The server sent no media; try again.');
  return decryptMedia(res.body, key);
}

/**
 * Delete a file this user uploaded (for example after recalling the message that carried it),
 * freeing its bytes from the quota.
 * @throws MekongError FORBIDDEN (someone else's), NOT_FOUND (already gone).
 * @example await deleteMedia(client.api, message.media.blobId);
 */
export async function deleteMedia(api: MediaApi, blobId: string, opts: MediaHttpOptions = {}): Promise<void> {
  await send(api, `/api/media/${encodeURIComponent(blobId)}`, { method: 'DELETE' }, opts, true);
}
