import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, errorCode, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';
import { createDiskBlobStore } from './disk';

const KiB = 1024;
const MiB = 1024 * KiB;
const LIMITS = { maxBytes: 2 * MiB, quotaBytes: 3 * MiB };

let dir: string;
let s: TestServices;
let lan: Registered;
let minh: Registered;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mekong-media-'));
  s = await setupServices({ blobs: createDiskBlobStore(join(dir, 'media')), mediaLimits: LIMITS });
  [lan, minh] = [await registerUser(s.app, 'lan'), await registerUser(s.app, 'minh')];
});
afterEach(async () => {
  await s.db.destroy();
  await rm(dir, { recursive: true, force: true });
});

const ciphertext = (n: number) => new Uint8Array(randomBytes(n));
const auth = (who?: Registered): Record<string, string> => (who ? { authorization: `Bearer ${who.accessToken}` } : {});

function upload(who: Registered | undefined, body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>, type = 'application/octet-stream') {
  // bytes go with their length, as an HTTP client sends them; a stream goes chunked
  const length: Record<string, string> = body instanceof Uint8Array ? { 'content-length': String(body.length) } : {};
  const headers = { ...auth(who), 'content-type': type, ...length };
  const init: RequestInit & { duplex?: 'half' } = { method: 'POST', headers, body };
  if (body instanceof ReadableStream) init.duplex = 'half';
  return Promise.resolve(s.app.request('/api/media', init));
}

const request = (method: string, path: string, who?: Registered) => Promise.resolve(s.app.request(path, { method, headers: auth(who) }));

async function uploaded(who: Registered, body: Uint8Array<ArrayBuffer>): Promise<string> {
  const res = await upload(who, body);
  expect(res.status).toBe(201);
  return (await json<{ id: string }>(res)).id;
}

async function usage(who: Registered) {
  return json<{ usedBytes: number; quotaBytes: number; maxUploadBytes: number }>(await request('GET', '/api/media/usage', who));
}

/** Every blob file the disk store holds. */
async function storedFiles(): Promise<string[]> {
  const root = join(dir, 'media');
  const shards = (await readdir(root).catch(() => [] as string[])).filter((d) => d !== '.tmp');
  const files = await Promise.all(shards.map(async (d) => (await readdir(join(root, d))).map((f) => join(d, f))));
  return files.flat().sort();
}

/** A stream of `chunk`-sized pieces of `total` bytes (endless when total is Infinity), counting what was pulled. */
function source(total: number, chunk = 64 * KiB) {
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= total) return controller.close();
      const n = Math.min(chunk, total - state.pulled);
      state.pulled += n;
      controller.enqueue(new Uint8Array(n).fill(7));
    },
  });
  return { stream, state };
}

describe('POST /api/media', () => {
  it('stores exactly the bytes sent under a fresh unguessable id and counts them against the quota', async () => {
    const body = ciphertext(300 * KiB);
    const res = await upload(lan, body);
    expect(res.status).toBe(201);
    const { id, size } = await json<{ id: string; size: number }>(res);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22,}$/); // ≥ 128 random bits
    expect(size).toBe(body.length);
    // what sits on disk is the client's ciphertext, byte for byte: the server adds and removes nothing
    expect(await storedFiles()).toEqual([join(id.slice(0, 2), id)]);
    expect(Buffer.compare(await readFile(join(dir, 'media', id.slice(0, 2), id)), body)).toBe(0);
    expect(await usage(lan)).toEqual({ usedBytes: body.length, quotaBytes: LIMITS.quotaBytes, maxUploadBytes: LIMITS.maxBytes });
    expect(await usage(minh)).toMatchObject({ usedBytes: 0 });
    expect(await uploaded(lan, body)).not.toBe(id);
  });

  it('accepts a streamed (chunked) upload and an empty one', async () => {
    const { stream } = source(MiB + 5, 50_000);
    const res = await upload(lan, stream);
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ size: MiB + 5 });
    const empty = await upload(lan, new Uint8Array(0));
    expect(await json(empty)).toMatchObject({ size: 0 });
    expect((await usage(lan)).usedBytes).toBe(MiB + 5);
  });

  it('answers an anonymous or signed-out caller with 401 and stores nothing', async () => {
    for (const res of [await upload(undefined, ciphertext(10)), await request('GET', '/api/media/usage')]) {
      expect(res.status).toBe(401);
      expect(await errorCode(res)).toBe('UNAUTHENTICATED');
    }
    expect((await request('POST', '/api/users/logout', lan)).status).toBe(204);
    const after = await upload(lan, ciphertext(10));
    expect(after.status).toBe(401);
    expect(await storedFiles()).toEqual([]);
    expect(await countRows(s.db, 'media_blobs')).toBe(0);
  });

  it('refuses a body that is not application/octet-stream', async () => {
    const res = await upload(lan, ciphertext(10), 'image/jpeg');
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('BAD_REQUEST');
    expect(await storedFiles()).toEqual([]);
  });

  it('refuses a declared oversized upload with 413 before reading it', async () => {
    // the body announces more than the limit; none of it is read
    const { stream, state } = source(LIMITS.maxBytes + 1);
    const early = await Promise.resolve(
      s.app.request('/api/media', {
        method: 'POST',
        body: stream,
        duplex: 'half',
        headers: { ...auth(lan), 'content-type': 'application/octet-stream', 'content-length': String(LIMITS.maxBytes + 1) },
      } as RequestInit),
    );
    expect(early.status).toBe(413);
    expect(state.pulled).toBeLessThanOrEqual(64 * KiB);
    const res = await upload(lan, ciphertext(LIMITS.maxBytes + 1));
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
    expect(res.headers.get('connection')).toBe('close');
    expect(await storedFiles()).toEqual([]);
    expect((await usage(lan)).usedBytes).toBe(0);
  });

  it('cuts off an oversized streamed upload while it streams: 413, nothing stored, quota unchanged', async () => {
    await uploaded(lan, ciphertext(10));
    // an endless body: only a server that stops reading at the limit can answer at all
    const { stream, state } = source(Number.POSITIVE_INFINITY);
    const res = await upload(lan, stream);
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
    expect(state.pulled).toBeLessThanOrEqual(LIMITS.maxBytes + 2 * 64 * KiB);
    expect(await storedFiles()).toHaveLength(1);
    expect(await readdir(join(dir, 'media', '.tmp'))).toEqual([]);
    expect((await usage(lan)).usedBytes).toBe(10);
    expect(await countRows(s.db, 'media_blobs')).toBe(1);
  });
});

describe('quota', () => {
  it('refuses what does not fit with QUOTA_EXCEEDED, declared or streamed, and changes nothing', async () => {
    const first = await uploaded(lan, ciphertext(2 * MiB));
    const declared = await upload(lan, ciphertext(MiB + KiB));
    expect(declared.status).toBe(403);
    expect(await errorCode(declared)).toBe('QUOTA_EXCEEDED');
    const streamed = await upload(lan, source(MiB + KiB).stream);
    expect(streamed.status).toBe(403);
    expect(await errorCode(streamed)).toBe('QUOTA_EXCEEDED');
    expect(await usage(lan)).toMatchObject({ usedBytes: 2 * MiB, quotaBytes: 3 * MiB });
    expect(await storedFiles()).toHaveLength(1);
    // exactly the free space still fits, and another user's quota is their own
    await uploaded(lan, ciphertext(MiB));
    await uploaded(minh, ciphertext(2 * MiB));
    // deleting gives the space back
    expect((await request('DELETE', `/api/media/${first}`, lan)).status).toBe(204);
    expect((await usage(lan)).usedBytes).toBe(MiB);
    await uploaded(lan, ciphertext(2 * MiB));
  });

  it('lets concurrent uploads of one user together take no more than the quota', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => upload(lan, ciphertext(MiB))));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 403, 403, 403]);
    expect((await usage(lan)).usedBytes).toBe(3 * MiB);
    expect(await storedFiles()).toHaveLength(3);
    expect(await countRows(s.db, 'media_blobs')).toBe(3);
  });

  it('follows a quota the operator set for one user', async () => {
    await uploaded(lan, ciphertext(10));
    await s.db.updateTable('media_usage').set({ quota_bytes: 100 }).where('user_id', '=', lan.user.id).execute();
    expect(await usage(lan)).toMatchObject({ usedBytes: 10, quotaBytes: 100 });
    expect(await errorCode(await upload(lan, ciphertext(91)))).toBe('QUOTA_EXCEEDED');
    await uploaded(lan, ciphertext(90));
  });
});

describe('GET and HEAD /api/media/:id', () => {
  it('streams the ciphertext back to any signed-in user holding the id, with its length', async () => {
    const body = ciphertext(700 * KiB);
    const id = await uploaded(lan, body);
    for (const who of [lan, minh]) {
      const res = await request('GET', `/api/media/${id}`, who);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-length')).toBe(String(body.length));
      expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), body)).toBe(0);
    }
    const head = await request('HEAD', `/api/media/${id}`, minh);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(body.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers 401 without a token, 404 for an unknown id, 400 for a malformed one', async () => {
    const id = await uploaded(lan, ciphertext(10));
    expect((await request('GET', `/api/media/${id}`)).status).toBe(401);
    expect((await request('HEAD', `/api/media/${id}`)).status).toBe(401);
    const missing = await request('GET', `/api/media/${randomBytes(16).toString('base64url')}`, lan);
    expect(missing.status).toBe(404);
    expect(await errorCode(missing)).toBe('NOT_FOUND');
    expect((await request('HEAD', `/api/media/${randomBytes(16).toString('base64url')}`, lan)).status).toBe(404);
    for (const bad of ['short', '..%2F..%2Fetc%2Fpasswd', `${'a'.repeat(20)}.jpg`]) {
      const res = await request('GET', `/api/media/${bad}`, lan);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe('BAD_REQUEST');
    }
  });
});

describe('DELETE /api/media/:id', () => {
  it('lets only the uploader delete, then the media is gone and its bytes freed', async () => {
    const id = await uploaded(lan, ciphertext(1000));
    const other = await request('DELETE', `/api/media/${id}`, minh);
    expect(other.status).toBe(403);
    expect(await errorCode(other)).toBe('FORBIDDEN');
    expect((await request('DELETE', `/api/media/${id}`)).status).toBe(401);
    expect((await request('GET', `/api/media/${id}`, minh)).status).toBe(200);

    expect((await request('DELETE', `/api/media/${id}`, lan)).status).toBe(204);
    expect((await request('GET', `/api/media/${id}`, lan)).status).toBe(404);
    expect(await storedFiles()).toEqual([]);
    expect((await usage(lan)).usedBytes).toBe(0);
    expect(await errorCode(await request('DELETE', `/api/media/${id}`, lan))).toBe('NOT_FOUND');
  });
});

describe('a media store that is down', () => {
  it('answers 503 UNAVAILABLE and records nothing', async () => {
    await writeFile(join(dir, 'file'), 'x');
    const down = await setupServices({ blobs: createDiskBlobStore(join(dir, 'file', 'media')), mediaLimits: LIMITS });
    try {
      const who = await registerUser(down.app, 'hoa');
      const res = await Promise.resolve(
        down.app.request('/api/media', { method: 'POST', headers: { ...auth(who), 'content-type': 'application/octet-stream' }, body: ciphertext(10) }),
      );
      expect(res.status).toBe(503);
      expect(await errorCode(res)).toBe('UNAVAILABLE');
      expect(await countRows(down.db, 'media_blobs')).toBe(0);
      expect(await countRows(down.db, 'media_usage')).toBe(0);
    } finally {
      await down.db.destroy();
    }
  });
});
