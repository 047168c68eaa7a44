// The media HTTP helpers against a fake media service: what is sent (only ciphertext, with the
// token), typed errors from the server's answers, and one token renewal on 401.
import { ErrorCode, MAX_MEDIA_BYTES } from '@mekong/schema';
import { describe, expect, it } from 'vitest';
import { cryptoReady } from '../crypto/sodium';
import { deleteMedia, downloadMedia, downloadMediaStream, type MediaApi, uploadMedia } from './http';

await cryptoReady();

interface Seen {
  method: string;
  path: string;
  token: string | null;
  type: string | null;
  body: Uint8Array;
}

/** An in-memory media service: blobs by id, tokens that may expire once. */
function fakeServer(opts: { expireFirst?: boolean } = {}) {
  const blobs = new Map<string, Uint8Array<ArrayBuffer>>();
  const seen: Seen[] = [];
  let token = 'old';
  let expired = opts.expireFirst ?? false;
  const api: MediaApi = {
    base: 'http://media.test',
    freshAccessToken: async () => token,
    refresh: async () => {
      token = 'new';
      expired = false;
    },
  };
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    const body = init?.body ? new Uint8Array(await new Response(init.body).arrayBuffer()) : new Uint8Array(0);
    const method = init?.method ?? 'GET';
    seen.push({ method, path: url.pathname, token: headers.get('authorization'), type: headers.get('content-type'), body });
    const error = (status: number, code: string) => Response.json({ error: { code, message: `${code} happened` } }, { status });
    if (expired) return error(401, 'TOKEN_EXPIRED');
    const id = url.pathname.split('/')[3] ?? '';
    if (method === 'POST') {
      const newId = `blob${String(blobs.size).padStart(18, '0')}`;
      blobs.set(newId, body);
      return Response.json({ id: newId, size: body.length }, { status: 201 });
    }
    const blob = blobs.get(id);
    if (!blob) return error(404, 'NOT_FOUND');
    if (method === 'DELETE') {
      blobs.delete(id);
      return new Response(null, { status: 204 });
    }
    return new Response(new Uint8Array(blob), { status: 200 });
  }) as typeof fetch;
  return { api, fetch: fetchImpl, blobs, seen };
}

const text = (s: string) => new TextEncoder().encode(s);

describe('uploadMedia / downloadMedia', () => {
  it('uploads only ciphertext with the access token and gets the file back with the reference', async () => {
    const server = fakeServer();
    const file = text('Ảnh chụp bữa tối ở Hội An '.repeat(10_000));
    const media = await uploadMedia(server.api, file, { fetch: server.fetch });
    expect(media).toMatchObject({ blobId: expect.any(String), key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), size: file.length });
    const upload = server.seen[0]!;
    expect(upload).toMatchObject({ method: 'POST', path: '/api/media', token: 'Bearer old', type: 'application/octet-stream' });
    expect(upload.body.length).toBe(media.encryptedSize);
    expect(Buffer.from(upload.body).includes(Buffer.from('bữa tối'))).toBe(false);
    expect(Buffer.from(upload.body).includes(Buffer.from(media.key))).toBe(false);

    const back = await downloadMedia(server.api, media, { fetch: server.fetch });
    expect(Buffer.compare(back, file)).toBe(0);
    const stream = await downloadMediaStream(server.api, media, { fetch: server.fetch });
    expect(Buffer.compare(Buffer.from(await new Response(stream).arrayBuffer()), file)).toBe(0);
  });

  it('uploads a stream and counts its plaintext bytes', async () => {
    const server = fakeServer();
    const file = new Uint8Array(300_000).fill(9);
    const stream = new Response(file).body!;
    const media = await uploadMedia(server.api, stream, { fetch: server.fetch });
    expect(media.size).toBe(300_000);
    expect(Buffer.compare(await downloadMedia(server.api, media, { fetch: server.fetch }), file)).toBe(0);
  });

  it('renews an expired token once and sends the upload again', async () => {
    const server = fakeServer({ expireFirst: true });
    const media = await uploadMedia(server.api, text('hi'), { fetch: server.fetch });
    expect(server.seen.map((s) => s.token)).toEqual(['Bearer old', 'Bearer new']);
    expect(server.blobs.size).toBe(1);
    expect(Buffer.from(await downloadMedia(server.api, media, { fetch: server.fetch })).toString()).toBe('hi');
  });

  it('turns error answers into typed errors and refuses a file above the limit before sending it', async () => {
    const server = fakeServer();
    const missing = { blobId: 'AAAAAAAAAAAAAAAAAAAAAA', key: 'A'.repeat(43) };
    await expect(downloadMedia(server.api, missing, { fetch: server.fetch })).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    await expect(deleteMedia(server.api, missing.blobId, { fetch: server.fetch })).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(uploadMedia(server.api, text('x'), { fetch: down })).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    const sent = server.seen.length;
    await expect(uploadMedia(server.api, new Uint8Array(MAX_MEDIA_BYTES), { fetch: server.fetch })).rejects.toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE });
    expect(server.seen.length).toBe(sent);
  });

  it('refuses to decrypt with a key that is not the file’s', async () => {
    const server = fakeServer();
    const media = await uploadMedia(server.api, text('secret'), { fetch: server.fetch });
    const other = await uploadMedia(server.api, text('other'), { fetch: server.fetch });
    await expect(downloadMedia(server.api, { blobId: media.blobId, key: other.key }, { fetch: server.fetch })).rejects.toMatchObject({
      code: ErrorCode.DECRYPT_FAILED,
    });
  });
});
