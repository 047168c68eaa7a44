// Blob store on S3 or any S3-compatible server (MinIO, Ceph, R2...): the cluster configuration,
// where every API replica sees the same blobs. Uploads stream through in parts (a multipart upload
// above one part), so memory per upload is bounded by the part size whatever the blob's size.
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { MekongError } from '@mekong/schema';
import { assertBlobId, assertSize, type BlobStore, notFound } from './port';
import { trackedSource, unavailable, webStreamOf } from './streams';

export interface S3BlobStoreOptions {
  /** e.g. http://127.0.0.1:9000 for MinIO; omit for AWS S3 itself. */
  endpoint?: string;
  bucket: string;
  /** Default us-east-1. */
  region?: string;
  /** Both or neither; without them the SDK's default chain (environment, instance role...) is used. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** bucket in the path (http://host/bucket/key) rather than the host name; most self-hosted servers need it. */
  forcePathStyle?: boolean;
  /** Objects are stored as `<prefix><id>`; default 'media/'. */
  prefix?: string;
  /** Bytes buffered per upload part; default 8 MiB (S3 needs ≥ 5 MiB for every part but the last). */
  partSize?: number;
  /** Milliseconds to wait for a connection; default 5000. */
  connectionTimeoutMs?: number;
}

const DEFAULT_PART = 8 * 1024 * 1024;

/** HTTP status of an SDK error, if it carries one. */
const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
const nameOf = (err: unknown) => (err as { name?: string } | undefined)?.name;
const isMissing = (err: unknown) => statusOf(err) === 404 && nameOf(err) !== 'NoSuchBucket';

/**
 * A BlobStore in an S3 bucket.
 * @example
 * const blobs = createS3BlobStore({ endpoint: 'http://127.0.0.1:9000', bucket: 'mekong-media',
 *   accessKeyId: 'minio', secretAccessKey: 'minio-secret', forcePathStyle: true });
 */
export function createS3BlobStore(opts: S3BlobStoreOptions): BlobStore {
  const config: S3ClientConfig = {
    region: opts.region ?? 'us-east-1',
    forcePathStyle: opts.forcePathStyle ?? false,
    // Checksums only where S3 requires them: compatible servers differ in the newer checksum headers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: opts.connectionTimeoutMs ?? 5000 },
  };
  if (opts.endpoint) config.endpoint = opts.endpoint;
  if (opts.accessKeyId && opts.secretAccessKey) {
    config.credentials = { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey };
  }
  const client = new S3Client(config);
  const Bucket = opts.bucket;
  const prefix = opts.prefix ?? 'media/';
  const partSize = opts.partSize ?? DEFAULT_PART;
  const keyOf = (id: string) => `${prefix}${id}`;

  const fail = (err: unknown): never => {
    if (err instanceof MekongError) throw err;
    throw unavailable(`S3 bucket ${Bucket}`, err);
  };

  /**
   * Returns the bytes stored. Buffers one part at a time; a source that fits one part is a plain
   * put. Each request carries a complete body, and a multipart upload becomes visible only when
   * completed, so a source that fails midway never leaves a partial object, whichever server this is.
   */
  async function putParts(Key: string, chunks: AsyncIterator<Uint8Array>): Promise<number> {
    const nextPart = async (): Promise<{ bytes: Uint8Array; last: boolean }> => {
      const parts: Uint8Array[] = [];
      let length = 0;
      while (length < partSize) {
        const next = await chunks.next();
        if (next.done) return { bytes: Buffer.concat(parts, length), last: true };
        parts.push(next.value);
        length += next.value.length;
      }
      return { bytes: Buffer.concat(parts, length), last: false };
    };
    const first = await nextPart();
    if (first.last) {
      await client.send(new PutObjectCommand({ Bucket, Key, Body: first.bytes, ContentLength: first.bytes.length, ContentType: 'application/octet-stream' }));
      return first.bytes.length;
    }
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType: 'application/octet-stream' }));
    try {
      const done: Array<{ PartNumber: number; ETag: string }> = [];
      let total = 0;
      for (let part = first; ; part = await nextPart()) {
        if (part.bytes.length > 0) {
          const PartNumber = done.length + 1;
          const { ETag } = await client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: part.bytes, ContentLength: part.bytes.length }));
          done.push({ PartNumber, ETag: ETag ?? '' });
          total += part.bytes.length;
        }
        if (part.last) break;
      }
      await client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: done } }));
      return total;
    } catch (err) {
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  return {
    async put(id, source, size) {
      assertBlobId(id);
      assertSize(size);
      const input = trackedSource(source, size);
      try {
        const stored = await putParts(keyOf(id), input.chunks);
        const failure = input.failure();
        if (failure) throw failure.error;
        return { size: stored };
      } catch (err) {
        await input.chunks.return(undefined).catch(() => undefined);
        const failure = input.failure();
        if (failure) throw failure.error;
        return fail(err);
      }
    },

    async get(id) {
      assertBlobId(id);
      try {
        const res = await client.send(new GetObjectCommand({ Bucket, Key: keyOf(id) }));
        const body = res.Body as unknown;
        if (!(body instanceof Readable) || typeof res.ContentLength !== 'number') {
          (body as { destroy?: () => void } | undefined)?.destroy?.();
          throw unavailable(`S3 bucket ${Bucket}`, new Error('response without a readable body or length'));
        }
        return { size: res.ContentLength, body: webStreamOf(body, (err) => unavailable(`S3 bucket ${Bucket}`, err)) };
      } catch (err) {
        if (isMissing(err)) throw notFound();
        return fail(err);
      }
    },

    async head(id) {
      assertBlobId(id);
      try {
        const res = await client.send(new HeadObjectCommand({ Bucket, Key: keyOf(id) }));
        return { size: res.ContentLength ?? 0 };
      } catch (err) {
        if (isMissing(err)) return undefined;
        return fail(err);
      }
    },

    async delete(id) {
      assertBlobId(id);
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key: keyOf(id) }));
      } catch (err) {
        if (!isMissing(err)) fail(err);
      }
    },

    async close() {
      client.destroy();
    },
  };
}
