// In-memory blob store: for tests and tools. Blobs live as long as the process.
import { assertBlobId, assertSize, type BlobStore, notFound } from './port';
import { exactly, readAll, readChunks } from './streams';

/**
 * A BlobStore in a Map.
 * @example
 * const blobs = createMemoryBlobStore();
 * await blobs.put('AAAAAAAAAAAAAAAAAAAAAA', new Uint8Array([1, 2, 3]));
 */
export function createMemoryBlobStore(): BlobStore {
  const blobs = new Map<string, Uint8Array>();
  return {
    async put(id, source, size) {
      assertBlobId(id);
      assertSize(size);
      const bytes = await readAll(exactly(readChunks(source), size));
      blobs.set(id, bytes);
      return { size: bytes.length };
    },
    async get(id) {
      assertBlobId(id);
      const bytes = blobs.get(id);
      if (!bytes) throw notFound();
      return { size: bytes.length, body: sliceStream(bytes) };
    },
    async head(id) {
      assertBlobId(id);
      const bytes = blobs.get(id);
      return bytes ? { size: bytes.length } : undefined;
    },
    async delete(id) {
      assertBlobId(id);
      blobs.delete(id);
    },
    async close() {},
  };
}


/** `bytes` in 64 KiB pieces, as a download from a real store would arrive. */
function sliceStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + 64 * 1024));
      at += 64 * 1024;
    },
  });
}
