// Blob store on the local file system: the one-process default (`<data dir>/media`). A put streams
// into a temporary file, syncs it and renames it into place, so a blob appears whole or not at all.
import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MekongError } from '@mekong/schema';
import { assertBlobId, assertSize, type BlobStore, notFound } from './port';
import { trackedSource, unavailable } from './streams';

/** Bytes read from the file per chunk of a download. */
const READ_CHUNK = 256 * 1024;
/** Temporary files older than this are leftovers of a crash and are swept. */
const STALE_TEMP_MS = 24 * 3600 * 1000;

const code = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;

/**
 * A BlobStore under `dir`: blob `id` is the file `<dir>/<first two characters>/<id>`. Ids are
 * validated before they touch a path (base64url only), so no id can name a file outside `dir`.
 * @example
 * const blobs = createDiskBlobStore('./data/media');
 */
export function createDiskBlobStore(dir: string): BlobStore {
  const root = resolve(dir);
  const tempDir = join(root, '.tmp');
  const pathOf = (id: string) => join(root, id.slice(0, 2), id);
  let swept = false;

  const fail = (err: unknown): never => {
    if (err instanceof MekongError) throw err;
    throw unavailable('local disk', err);
  };

  async function sweepTemp(): Promise<void> {
    if (swept) return;
    swept = true;
    const names = await readdir(tempDir).catch(() => [] as string[]);
    const cutoff = Date.now() - STALE_TEMP_MS;
    for (const name of names) {
      const file = join(tempDir, name);
      const info = await stat(file).catch(() => undefined);
      if (info && info.mtimeMs < cutoff) await rm(file, { force: true }).catch(() => undefined);
    }
  }

  return {
    async put(id, source, size) {
      assertBlobId(id);
      assertSize(size);
      const target = pathOf(id);
      const temp = join(tempDir, `${id}.${randomBytes(6).toString('hex')}`);
      const input = trackedSource(source, size);
      let file: FileHandle | undefined;
      try {
        await mkdir(tempDir, { recursive: true });
        await sweepTemp();
        await mkdir(join(root, id.slice(0, 2)), { recursive: true });
        file = await open(temp, 'wx', 0o600);
        let written = 0;
        for await (const chunk of input.chunks) {
          for (let at = 0; at < chunk.length; ) {
            const { bytesWritten } = await file.write(chunk, at, chunk.length - at, written);
            at += bytesWritten;
            written += bytesWritten;
          }
        }
        await file.sync();
        await file.close();
        file = undefined;
        await rename(temp, target);
        await syncDir(join(root, id.slice(0, 2)));
        return { size: written };
      } catch (err) {
        await file?.close().catch(() => undefined);
        await rm(temp, { force: true }).catch(() => undefined);
        const failure = input.failure();
        if (failure) throw failure.error;
        return fail(err);
      }
    },

    async get(id) {
      assertBlobId(id);
      let file: FileHandle;
      let size: number;
      try {
        file = await open(pathOf(id), 'r');
      } catch (err) {
        if (code(err) === 'ENOENT') throw notFound();
        return fail(err);
      }
      try {
        size = (await file.stat()).size;
      } catch (err) {
        await file.close().catch(() => undefined);
        return fail(err);
      }
      return { size, body: fileStream(file) };
    },

    async head(id) {
      assertBlobId(id);
      try {
        return { size: (await stat(pathOf(id))).size };
      } catch (err) {
        if (code(err) === 'ENOENT') return undefined;
        return fail(err);
      }
    },

    async delete(id) {
      assertBlobId(id);
      try {
        await unlink(pathOf(id));
      } catch (err) {
        if (code(err) !== 'ENOENT') fail(err);
      }
    },

    async close() {},
  };
}

/**
 * Reads an open file as a stream, one chunk per pull (back-pressure: nothing is read ahead of the
 * consumer), closing the file at the end, on error and on cancel. The file keeps its content even
 * when the blob is replaced or deleted meanwhile, so a download never mixes two versions.
 */
function fileStream(file: FileHandle): ReadableStream<Uint8Array> {
  let position = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await file.close().catch(() => undefined);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const buffer = new Uint8Array(READ_CHUNK);
        const { bytesRead } = await file.read(buffer, 0, READ_CHUNK, position);
        if (bytesRead === 0) {
          await close();
          controller.close();
          return;
        }
        position += bytesRead;
        controller.enqueue(buffer.subarray(0, bytesRead));
      } catch (err) {
        await close();
        controller.error(unavailable('local disk', err));
      }
    },
    cancel: close,
  });
}

/** Makes a rename durable; a no-op where directories cannot be opened for syncing. */
async function syncDir(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // not supported on this platform (Windows): the rename is still atomic, only less durable
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
