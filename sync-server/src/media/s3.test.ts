import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBlobStoreContract } from './contract';
import { createS3BlobStore } from './s3';
import { closedPort, startTestS3, type TestS3 } from './s3-testing';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(() => s3?.stop());

// Parts of 5 MiB (the S3 minimum), so the contract’s 6 MiB uploads take the multipart path.
runBlobStoreContract('S3 (s3rver)', async () => {
  const options = { ...s3.options, partSize: 5 * 1024 * 1024 };
  return {
    store: createS3BlobStore(options),
    reopen: async () => createS3BlobStore(options),
    unavailable: async () => createS3BlobStore({ ...options, endpoint: `http://127.0.0.1:${await closedPort()}` }),
  };
});

describe('S3 blob store configuration', () => {
  it('reports a bucket that does not exist as UNAVAILABLE, not as a missing blob', async () => {
    const store = createS3BlobStore({ ...s3.options, bucket: 'no-such-bucket' });
    try {
      await expect(store.get('AAAAAAAAAAAAAAAAAAAAAA')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(store.put('AAAAAAAAAAAAAAAAAAAAAA', new Uint8Array(3))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await store.close();
    }
  });

  it('keeps blobs under the prefix, so one bucket can hold other data beside them', async () => {
    const a = createS3BlobStore({ ...s3.options, prefix: 'a/' });
    const b = createS3BlobStore({ ...s3.options, prefix: 'b/' });
    try {
      await a.put('cHJlZml4LXRlc3QtYmxvYg', new Uint8Array([1]));
      expect(await a.head('cHJlZml4LXRlc3QtYmxvYg')).toEqual({ size: 1 });
      expect(await b.head('cHJlZml4LXRlc3QtYmxvYg')).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
