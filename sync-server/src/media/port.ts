// The blob store port: where encrypted media lives (memory, local disk or S3). Bytes in, bytes out;
// the store never interprets what it holds, and every failure is a typed MekongError.
import { ErrorCode, MekongError } from '@mekong/schema';

/** What `put` accepts: the whole blob, or a stream of it (preferred above a few hundred KiB). */
export type BlobSource = Uint8Array | ReadableStream<Uint8Array>;

export interface BlobInfo {
  /** Length of the blob in bytes. */
  size: number;
}

export interface BlobRead extends BlobInfo {
  /** The blob's bytes; read it to the end or cancel it, so the store can release the file or socket. */
  body: ReadableStream<Uint8Array>;
}

/**
 * Stores opaque blobs by id.
 *
 * Semantics every adapter keeps (the contract suite checks them):
 * - `put` is all-or-nothing: a reader sees no blob, the whole previous blob or the whole new one,
 *   never a part. Putting an id that exists replaces it (so a retried put is harmless); a put that
 *   fails (source error, wrong size, store down) leaves whatever was there before.
 * - `size`, when given, must equal the bytes the source delivers, else BAD_REQUEST and nothing changes.
 *   An error the source stream raises reaches the caller unchanged (a MekongError keeps its code).
 * - `get` of a missing id throws NOT_FOUND; `head` answers undefined; `delete` of a missing id is a no-op.
 * - Ids are 16–128 characters of base64url (`A–Z a–z 0–9 _ -`); anything else is BAD_REQUEST.
 * - A backend that cannot be reached or written throws UNAVAILABLE.
 */
export interface BlobStore {
  put(id: string, source: BlobSource, size?: number): Promise<BlobInfo>;
  get(id: string): Promise<BlobRead>;
  head(id: string): Promise<BlobInfo | undefined>;
  delete(id: string): Promise<void>;
  /** Releases connections; the store is not used afterwards. */
  close(): Promise<void>;
}

const BLOB_ID = /^[A-Za-z0-9_-]{16,128}$/;

/** True when `id` is a well-formed blob id. */
export function isBlobId(id: unknown): id is string {
  return typeof id === 'string' && BLOB_ID.test(id);
}

/** Throws BAD_REQUEST unless `id` is a well-formed blob id (which also rules out any path trick). */
export function assertBlobId(id: unknown): asserts id is string {
  if (!isBlobId(id)) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'A blob id is 16 to 128 characters of A-Z, a-z, 0-9, "_" and "-".');
  }
}

/** Throws BAD_REQUEST unless `size` is absent or a whole number of bytes. */
export function assertSize(size: number | undefined): void {
  if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'A blob size is a whole, non-negative number of bytes.');
  }
}

export function notFound(): MekongError {
  return new MekongError(ErrorCode.NOT_FOUND, 'There is no such blob; it was never stored or has been deleted.');
}

export function sizeMismatch(expected: number, got: number): MekongError {
  return new MekongError(ErrorCode.BAD_REQUEST, `The blob was announced as ${expected} bytes but ${got} arrived; send it again.`, {
    expected,
    got,
  });
}
