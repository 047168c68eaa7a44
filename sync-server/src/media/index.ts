// The media service: encrypted blobs behind a small port (memory, local disk, S3) and the
// /api/media routes with size limits and per-user quotas.
export { createDiskBlobStore } from './disk';
export { createMemoryBlobStore } from './memory';
export { assertBlobId, type BlobInfo, type BlobRead, type BlobSource, type BlobStore, isBlobId } from './port';
export { createMediaApp, type MediaDeps, type MediaLimits } from './routes';
export { createS3BlobStore, type S3BlobStoreOptions } from './s3';
export { s3OptionsFromEnv } from './config';
