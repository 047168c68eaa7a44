// Test support: a real S3-compatible server (s3rver) on 127.0.0.1 and a free port, storing into a
// temporary folder. Imported by *.test.ts files only.
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3BlobStoreOptions } from './s3';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (opts: { address: string; port: number; directory: string; silent: boolean }) => S3rverInstance;

// s3rver ships CommonJS without type declarations
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

/** s3rver accepts any credentials of this shape. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3 {
  /** Options for createS3BlobStore pointing at this server and its bucket. */
  options: S3BlobStoreOptions;
  stop(): Promise<void>;
}

/** Starts s3rver in a temporary folder and creates `bucket` on it. */
export async function startTestS3(bucket = 'mekong-media'): Promise<TestS3> {
  const dir = await mkdtemp(join(tmpdir(), 'mekong-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory: dir, silent: true });
  const { port } = await server.run();
  const options: S3BlobStoreOptions = { endpoint: `http://127.0.0.1:${port}`, bucket, region: 'us-east-1', forcePathStyle: true, ...CREDENTIALS };
  const admin = new S3Client({ endpoint: options.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
  try {
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    admin.destroy();
  }
  return {
    options,
    async stop() {
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A loopback port nothing listens on (taken from the OS, then released). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok));
  const address = probe.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((ok) => probe.close(() => ok()));
  return port;
}
