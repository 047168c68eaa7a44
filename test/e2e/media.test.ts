// Encrypted media end to end: a client encrypts a file, uploads it to a real server (disk or S3), another
// user downloads and decrypts it with the key (which in the app travels inside the encrypted
// message); the server's media folder holds exactly the ciphertext and never the plaintext.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteMedia, downloadMedia, downloadMediaStream, type MekongClient, uploadMedia } from '@mekong/client-core';
import { createNodeClient } from '@mekong/client-core/node';
import { Client } from '@mekong/client-core/testing';
import { startMekong } from '@mekong/sync-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_HASH, newClient, startTestServer, type TestServer } from '../helpers';

let server: TestServer;
let lan: MekongClient;
let minh: MekongClient;

/** The authenticated API client of a client-core client. */
function apiOf(client: MekongClient) {
  if (!(client instanceof Client)) throw new Error('expected the client-core Client');
  return client.api;
}

/** Every file the server's disk blob store holds, by blob id. */
function storedBlobs(): Map<string, Buffer> {
  const root = join(server.dir, 'data', 'media');
  const out = new Map<string, Buffer>();
  for (const shard of readdirSync(root)) {
    if (shard === '.tmp') continue;
    for (const id of readdirSync(join(root, shard))) out.set(id, readFileSync(join(root, shard, id)));
  }
  return out;
}

beforeAll(async () => {
  server = await startTestServer();
  lan = await newClient(server, 'lan');
  minh = await newClient(server, 'minh');
  await lan.register({ username: 'lan', password: 'lan password 1', displayName: 'Lan' });
  await minh.register({ username: 'minh', password: 'minh password 1', displayName: 'Minh' });
});

afterAll(async () => {
  await lan?.close();
  await minh?.close();
  await server?.stop();
});

describe('encrypted media through a real server', () => {
  it('uploads an encrypted file that another user downloads and decrypts; the server holds only ciphertext', async () => {
    const marker = `MEDIA${randomBytes(8).toString('hex')}`;
    const file = Buffer.concat([Buffer.from(`Ảnh Hội An ${marker} `.repeat(20_000)), randomBytes(300_000)]);
    const media = await uploadMedia(apiOf(lan), new Uint8Array(file));
    expect(media.size).toBe(file.length);

    const back = await downloadMedia(apiOf(minh), media);
    expect(Buffer.compare(Buffer.from(back), file)).toBe(0);

    const stored = storedBlobs().get(media.blobId);
    expect(stored?.length).toBe(media.encryptedSize);
    expect(stored?.includes(Buffer.from(marker))).toBe(false);
    // nothing the server wrote anywhere holds the marker or the file key
    for (const blob of storedBlobs().values()) expect(blob.includes(Buffer.from(marker))).toBe(false);
    const db = readFileSync(join(server.dir, 'data', 'mekong.db'));
    expect(db.includes(Buffer.from(media.key))).toBe(false);
  });

  it('streams a large file up and down over HTTP', async () => {
    const file = randomBytes(5 * 1024 * 1024 + 77);
    let offset = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= file.length) return controller.close();
        controller.enqueue(new Uint8Array(file.subarray(offset, offset + 100_000)));
        offset += 100_000;
      },
    });
    const media = await uploadMedia(apiOf(lan), source);
    expect(media.size).toBe(file.length);
    const plain = await new Response(await downloadMediaStream(apiOf(minh), media)).arrayBuffer();
    expect(Buffer.compare(Buffer.from(plain), file)).toBe(0);
  });

  it('refuses an anonymous download, and a delete by anyone but the uploader', async () => {
    const media = await uploadMedia(apiOf(lan), new Uint8Array([1, 2, 3]));
    const anonymous = await fetch(`${server.url}/api/media/${media.blobId}`);
    expect(anonymous.status).toBe(401);
    await expect(deleteMedia(apiOf(minh), media.blobId)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await deleteMedia(apiOf(lan), media.blobId);
    await expect(downloadMedia(apiOf(minh), media)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(storedBlobs().has(media.blobId)).toBe(false);
  });
});

describe('media in S3', () => {
  it('stores uploads in the configured bucket when the server is started with S3 options', async () => {
    // a real S3-compatible server (s3rver) on a free loopback port, with the bucket made here
    const dir = mkdtempSync(join(tmpdir(), 'mekong-s3e2e-'));
    const S3rver = createRequire(import.meta.url)('s3rver') as new (o: object) => { run(): Promise<{ port: number }>; close(): Promise<void> };
    const s3 = new S3rver({ address: '127.0.0.1', port: 0, directory: join(dir, 's3'), silent: true, configureBuckets: [{ name: 'mekong-media' }] });
    const { port } = await s3.run();
    const m = await startMekong({
      port: 0,
      host: '127.0.0.1',
      dataDir: join(dir, 'data'),
      passwordHash: FAST_HASH,
      logLevel: 'silent',
      s3: { endpoint: `http://127.0.0.1:${port}`, bucket: 'mekong-media', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true },
    });
    const client = await createNodeClient({ server: `http://127.0.0.1:${m.port}`, home: join(dir, 'home') });
    try {
      await client.register({ username: 'hoa', password: 'hoa password 1', displayName: 'Hoa' });
      const file = randomBytes(200_000);
      const media = await uploadMedia(apiOf(client), new Uint8Array(file));
      expect(Buffer.compare(Buffer.from(await downloadMedia(apiOf(client), media)), file)).toBe(0);
      // the bytes are in the bucket's folder, not in the server's data folder
      expect(readdirSync(join(dir, 'data')).includes('media')).toBe(false);
      const inBucket = readdirSync(join(dir, 's3', 'mekong-media'), { recursive: true }).map(String);
      expect(inBucket.some((p) => p.includes(media.blobId))).toBe(true);
    } finally {
      await client.close();
      await m.stop();
      await s3.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

