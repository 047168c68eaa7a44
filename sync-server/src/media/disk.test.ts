import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBlobStoreContract } from './contract';
import { createDiskBlobStore } from './disk';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'mekong-blobs-'));
}

runBlobStoreContract('local disk', async () => {
  const dir = await tempDir();
  return {
    store: createDiskBlobStore(join(dir, 'media')),
    reopen: async () => createDiskBlobStore(join(dir, 'media')),
    // a data folder that is not a folder (a file sits where it should be): nothing can be read or written
    unavailable: async () => {
      await writeFile(join(dir, 'not-a-folder'), 'x');
      return createDiskBlobStore(join(dir, 'not-a-folder', 'media'));
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('disk blob store layout', () => {
  it('keeps each blob as one file of exactly its bytes under the store folder, and no temporary file', async () => {
    const dir = await tempDir();
    try {
      const store = createDiskBlobStore(dir);
      const id = 'Zm9vYmFyYmF6cXV4MTIzNA';
      await store.put(id, new Uint8Array([1, 2, 3, 250]));
      expect(new Uint8Array(await readFile(join(dir, 'Zm', id)))).toEqual(new Uint8Array([1, 2, 3, 250]));
      expect(await readdir(join(dir, '.tmp'))).toEqual([]);
      expect((await readdir(dir)).sort()).toEqual(['.tmp', 'Zm']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serves a download begun before the blob was replaced from the old bytes to the end', async () => {
    const dir = await tempDir();
    try {
      const store = createDiskBlobStore(dir);
      const id = 'b2xkLXZlcnNpb24tb2YtaXQ';
      const old = new Uint8Array(1024 * 1024).fill(1);
      await store.put(id, old);
      const { body } = await store.get(id);
      await store.put(id, new Uint8Array(10).fill(2));
      const chunks: Uint8Array[] = [];
      const reader = body.getReader();
      for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
      const got = Buffer.concat(chunks);
      expect(got.length).toBe(old.length);
      expect(got.every((b) => b === 1)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
