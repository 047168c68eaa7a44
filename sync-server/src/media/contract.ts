// The one test suite every BlobStore adapter passes: round trips (large streamed and empty blobs
// included), replace and delete semantics, all-or-nothing puts, id validation and typed failures.
import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode, isMekongError, MekongError } from '@mekong/schema';
import { describe, expect, it } from 'vitest';
import { perTest } from '@mekong/relay/testing';
import type { BlobStore } from './port';
import { readAll } from './streams';

export interface BlobStoreFixture {
  store: BlobStore;
  /** For durable adapters: the same data opened again after `store.close()`. */
  reopen?: () => Promise<BlobStore>;
  /** A store of the same kind whose backend cannot be reached (server down, disk gone). */
  unavailable?: () => Promise<BlobStore>;
  /** Removes what the fixture created; called after each test. */
  cleanup?: () => Promise<void>;
}

let counter = 0;
/** A fresh, valid blob id (22 base64url characters, like the ones the media service hands out). */
const newBlobId = () => `${randomBytes(12).toString('base64url')}${String(counter++).padStart(6, '0')}`;
const bytes = (n: number) => new Uint8Array(randomBytes(n));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** `data` as a stream of uneven chunks (1 byte up to 300 KiB), each made when the store asks for it. */
function chunked(data: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  let step = 1;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= data.length) {
        controller.close();
        return;
      }
      const end = Math.min(data.length, at + step);
      controller.enqueue(data.slice(at, end));
      at = end;
      step = step >= 300 * 1024 ? 1 : step * 7 + 3;
    },
  });
}

/** A stream that delivers `head` and then fails with `error`. */
function failing(head: Uint8Array, error: Error): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(head);
      } else controller.error(error);
    },
  });
}

async function rejectsWith(call: () => Promise<unknown>, code: ErrorCode): Promise<MekongError> {
  try {
    await call();
  } catch (err) {
    if (isMekongError(err, code)) return err;
    throw new Error(`expected ${code}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

async function content(store: BlobStore, id: string): Promise<Uint8Array> {
  const { body, size } = await store.get(id);
  const data = await readAll(body);
  expect(data.length).toBe(size);
  return data;
}

/** Registers the BlobStore contract tests under `describe(name)`; `setup` makes a fresh, empty store per test. */
export function runBlobStoreContract(name: string, setup: () => Promise<BlobStoreFixture>): void {
  describe(`BlobStore contract: ${name}`, () => {
    const fresh = perTest(setup, async (fx) => {
      await fx.store.close().catch(() => undefined);
      await fx.cleanup?.();
    });
    // stores a test opens itself (reopened, unreachable) are closed after it too
    const keep = perTest(async (store: BlobStore) => store, (store) => store.close().catch(() => undefined));

    it('round-trips bytes, and head reports the size', async () => {
      const { store } = await fresh();
      const id = newBlobId();
      const data = bytes(1000);
      expect(await store.put(id, data)).toEqual({ size: 1000 });
      expect(await store.head(id)).toEqual({ size: 1000 });
      expect(await content(store, id)).toEqual(data);
      // reading twice gives the same bytes: a get does not consume the blob
      expect(await content(store, id)).toEqual(data);
    });

    it('streams a blob of several MB in uneven chunks, with and without a declared size', async () => {
      const { store } = await fresh();
      const data = bytes(6 * 1024 * 1024 + 123);
      const [known, unknown] = [newBlobId(), newBlobId()];
      expect(await store.put(known, chunked(data), data.length)).toEqual({ size: data.length });
      expect(await store.put(unknown, chunked(data))).toEqual({ size: data.length });
      for (const id of [known, unknown]) {
        const { size, body } = await store.get(id);
        expect(size).toBe(data.length);
        // the download arrives in pieces, not as one buffer of the whole blob
        const reader = body.getReader();
        const hash = createHash('sha256');
        let chunks = 0;
        let largest = 0;
        for (let next = await reader.read(); !next.done; next = await reader.read()) {
          hash.update(next.value);
          chunks++;
          largest = Math.max(largest, next.value.length);
        }
        expect(hash.digest('hex')).toBe(sha(data));
        expect(chunks).toBeGreaterThan(1);
        expect(largest).toBeLessThan(data.length);
      }
    });

    it('stores empty blobs, from bytes or an empty stream, with or without a size', async () => {
      const { store } = await fresh();
      const empty = new ReadableStream<Uint8Array>({ start: (c) => c.close() });
      const ids = [newBlobId(), newBlobId(), newBlobId()];
      expect(await store.put(ids[0]!, new Uint8Array(0))).toEqual({ size: 0 });
      expect(await store.put(ids[1]!, empty, 0)).toEqual({ size: 0 });
      expect(await store.put(ids[2]!, chunked(new Uint8Array(0)))).toEqual({ size: 0 });
      for (const id of ids) {
        expect(await store.head(id)).toEqual({ size: 0 });
        expect(await content(store, id)).toEqual(new Uint8Array(0));
      }
    });

    it('answers a missing id with NOT_FOUND on get, undefined on head, and nothing on delete', async () => {
      const { store } = await fresh();
      const id = newBlobId();
      await rejectsWith(() => store.get(id), ErrorCode.NOT_FOUND);
      expect(await store.head(id)).toBeUndefined();
      await store.delete(id);
      await rejectsWith(() => store.get(id), ErrorCode.NOT_FOUND);
    });

    it('replaces a blob put again under the same id; the same bytes twice change nothing', async () => {
      const { store } = await fresh();
      const id = newBlobId();
      const [first, second] = [bytes(5000), bytes(70)];
      await store.put(id, first);
      await store.put(id, first);
      expect(await content(store, id)).toEqual(first);
      await store.put(id, chunked(second), second.length);
      expect(await store.head(id)).toEqual({ size: 70 });
      expect(await content(store, id)).toEqual(second);
    });

    it('refuses a stream shorter or longer than its declared size and stores nothing', async () => {
      const { store } = await fresh();
      const [short, long] = [newBlobId(), newBlobId()];
      const e = await rejectsWith(() => store.put(short, chunked(bytes(1000)), 1001), ErrorCode.BAD_REQUEST);
      expect(e.details).toMatchObject({ expected: 1001, got: 1000 });
      await rejectsWith(() => store.put(long, chunked(bytes(300_000)), 299_999), ErrorCode.BAD_REQUEST);
      await rejectsWith(() => store.put(newBlobId(), bytes(10), 0), ErrorCode.BAD_REQUEST);
      for (const id of [short, long]) {
        expect(await store.head(id)).toBeUndefined();
        await rejectsWith(() => store.get(id), ErrorCode.NOT_FOUND);
      }
    });

    it('passes a failing source’s error on unchanged and keeps what the id held before', async () => {
      const { store } = await fresh();
      const [kept, fresh1, fresh2] = [newBlobId(), newBlobId(), newBlobId()];
      const before = bytes(2048);
      await store.put(kept, before);
      const tooLarge = () => new MekongError(ErrorCode.PAYLOAD_TOO_LARGE, 'too large');
      await rejectsWith(() => store.put(kept, failing(bytes(100_000), tooLarge())), ErrorCode.PAYLOAD_TOO_LARGE);
      await rejectsWith(() => store.put(kept, failing(bytes(100_000), tooLarge()), 200_000), ErrorCode.PAYLOAD_TOO_LARGE);
      await rejectsWith(() => store.put(fresh1, failing(bytes(10), tooLarge())), ErrorCode.PAYLOAD_TOO_LARGE);
      await expect(store.put(fresh2, failing(bytes(10), new TypeError('client went away')), 20)).rejects.toThrow('client went away');
      expect(await content(store, kept)).toEqual(before);
      expect(await store.head(fresh1)).toBeUndefined();
      expect(await store.head(fresh2)).toBeUndefined();
    });

    it('deletes a blob and only that blob', async () => {
      const { store } = await fresh();
      const [gone, stays] = [newBlobId(), newBlobId()];
      await store.put(gone, bytes(10));
      await store.put(stays, bytes(20));
      await store.delete(gone);
      await rejectsWith(() => store.get(gone), ErrorCode.NOT_FOUND);
      expect(await store.head(gone)).toBeUndefined();
      await store.delete(gone);
      expect(await store.head(stays)).toEqual({ size: 20 });
    });

    it('lets a download abandoned part-way go without holding the blob', async () => {
      const { store } = await fresh();
      const id = newBlobId();
      await store.put(id, bytes(2 * 1024 * 1024));
      const { body } = await store.get(id);
      const reader = body.getReader();
      await reader.read();
      await reader.cancel();
      const next = bytes(10);
      await store.put(id, next);
      expect(await content(store, id)).toEqual(next);
      await store.delete(id);
      expect(await store.head(id)).toBeUndefined();
    });

    it('refuses malformed ids on every method and accepts 16 to 128 base64url characters', async () => {
      const { store } = await fresh();
      const bad = ['', 'short', '../../../etc/passwd', `${'a'.repeat(20)}/..`, '..'.repeat(10), `${'a'.repeat(20)}.tmp`, 'a'.repeat(129), 'ảnh-đẹp-của-lan-1234', `${'b'.repeat(20)}\0`];
      for (const id of bad) {
        await rejectsWith(() => store.put(id, bytes(1)), ErrorCode.BAD_REQUEST);
        await rejectsWith(() => store.get(id), ErrorCode.BAD_REQUEST);
        await rejectsWith(() => store.head(id), ErrorCode.BAD_REQUEST);
        await rejectsWith(() => store.delete(id), ErrorCode.BAD_REQUEST);
      }
      for (const id of ['A-_z09'.repeat(3).slice(0, 16), 'x'.repeat(128)]) {
        await store.put(id, bytes(3));
        expect(await store.head(id)).toEqual({ size: 3 });
      }
    });

    it('keeps concurrent uploads to different ids apart', async () => {
      const { store } = await fresh();
      const blobs = Array.from({ length: 8 }, (_, i) => ({ id: newBlobId(), data: bytes(50_000 + i * 7919) }));
      await Promise.all(blobs.map((b, i) => store.put(b.id, chunked(b.data), i % 2 ? b.data.length : undefined)));
      for (const b of blobs) expect(sha(await content(store, b.id))).toBe(sha(b.data));
    });

    it('keeps blobs across reopening', async (ctx) => {
      const fx = await fresh();
      if (!fx.reopen) return ctx.skip(`${name} keeps nothing after close`);
      const id = newBlobId();
      const data = bytes(4096);
      await fx.store.put(id, data);
      await fx.store.close();
      const again = await keep(await fx.reopen());
      expect(await content(again, id)).toEqual(data);
    });

    it('reports an unreachable backend as UNAVAILABLE on every method', async (ctx) => {
      const fx = await fresh();
      if (!fx.unavailable) return ctx.skip(`${name} has no backend that could be down`);
      const down = await keep(await fx.unavailable());
      const id = newBlobId();
      await rejectsWith(() => down.put(id, bytes(10)), ErrorCode.UNAVAILABLE);
      await rejectsWith(() => down.put(id, chunked(bytes(10)), 10), ErrorCode.UNAVAILABLE);
      await rejectsWith(() => down.get(id), ErrorCode.UNAVAILABLE);
      await rejectsWith(() => down.head(id), ErrorCode.UNAVAILABLE);
      await rejectsWith(() => down.delete(id), ErrorCode.UNAVAILABLE);
    });
  });
}
