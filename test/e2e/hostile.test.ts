// Malformed frames and request bodies get typed errors; the server stays up and no log is corrupted.
import { decodeDown, type Down, encodeUp, isErrorCode, PROTOCOL_VERSION } from '@mekong/schema';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import WebSocket from 'ws';
import { newClient, startTestServer, type TestServer } from '../helpers';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function healthy(): Promise<void> {
  const res = await fetch(`${server.url}/healthz`);
  expect(res.status).toBe(200);
}

function openSocket(): Promise<{ ws: WebSocket; frames: Down[]; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/sync`);
    const frames: Down[] = [];
    const closed = new Promise<number>((ok) => ws.on('close', (code) => ok(code)));
    ws.on('message', (data: Buffer) => frames.push(decodeDown(new Uint8Array(data))));
    ws.on('open', () => resolve({ ws, frames, closed }));
    ws.on('error', reject);
  });
}

/** POST with node:http, which still reads an early answer (413) when the server stops reading the body. */
function rawRequest(url: string, method: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', () => {
      /* EPIPE after an early answer: the response handler resolves */
    });
    req.end(body);
    setTimeout(() => reject(new Error(`no answer from ${method} ${url}`)), 10_000).unref();
  });
}

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('hostile input', () => {
  it('answers garbage frames before auth with typed errors or a close, and stays up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 300 }), async (bytes) => {
        const { ws, frames, closed } = await openSocket();
        ws.send(bytes);
        ws.send(encodeUp({ type: 'ping', id: 1 }));
        const code = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 300))]);
        for (const f of frames) if (f.type === 'error') expect(isErrorCode(f.code)).toBe(true);
        expect(code === -1 || code >= 1000).toBe(true);
        ws.terminate();
      }),
      { numRuns: 40 },
    );
    await healthy();
  });

  it('keeps a member’s log gapless after malformed pushes in between valid ones', async () => {
    const alice = await newClient(server, 'h-alice');
    const bob = await newClient(server, 'h-bob');
    const problems: Error[] = [];
    bob.onProblem((e) => problems.push(e));
    await alice.register({ username: 'halice', password: 'alice password 1', displayName: 'A' });
    await bob.register({ username: 'hbob', password: 'bob password 12', displayName: 'B' });
    const chat = await alice.openDirect('hbob');
    await chat.send('one');
    await chat.synced();
    // a raw socket authenticated as alice's device sends junk, then valid-looking pushes with garbage envelopes
    const token = await (alice as unknown as { api: { freshAccessToken(): Promise<string> } }).api.freshAccessToken();
    const { ws, frames } = await openSocket();
    ws.send(encodeUp({ type: 'auth', protocol: PROTOCOL_VERSION, token }));
    await until(() => frames.some((f) => f.type === 'welcome'));
    ws.send(new Uint8Array([4, 0xff, 0xff, 0xff]));
    ws.send('text frame');
    ws.send(encodeUp({ type: 'push', conv: chat.id, counter: 1_000_000, envelope: new Uint8Array([1, 2, 3]) }));
    ws.send(encodeUp({ type: 'push', conv: 'not-my-conversation', counter: 1, envelope: new Uint8Array([1]) }));
    await until(() => frames.filter((f) => f.type === 'error' || f.type === 'ack').length >= 4);
    const errors = frames.filter((f) => f.type === 'error');
    expect(errors.map((e) => e.type === 'error' && e.code)).toEqual(expect.arrayContaining(['MALFORMED_FRAME', 'NOT_MEMBER']));
    ws.close();
    // bob still gets alice's real messages; the garbage envelope is refused on his side, not shown
    await chat.send('two');
    await chat.synced();
    const conv = await bob.open((await bob.conversations())[0]?.id ?? chat.id).catch(async () => {
      await (bob as unknown as { refreshConversations(): Promise<void> }).refreshConversations();
      return bob.open(chat.id);
    });
    await conv.synced();
    expect(conv.messages().map((m) => m.text)).toEqual(['one', 'two']);
    expect(problems.some((p) => /envelope|MALFORMED/i.test(`${(p as { code?: string }).code} ${p.message}`))).toBe(true);
    await alice.close();
    await bob.close();
    await healthy();
  });

  it('answers malformed HTTP bodies with 4xx and a typed error, never 5xx', async () => {
    const bodies: Array<[string, Record<string, string>]> = [
      ['{', { 'content-type': 'application/json' }],
      ['[]', { 'content-type': 'application/json' }],
      ['{"__proto__":{"admin":true}}', { 'content-type': 'application/json' }],
      [`{"username":"${'a'.repeat(100_000)}"}`, { 'content-type': 'application/json' }],
      ['x'.repeat(3 * 1024 * 1024), { 'content-type': 'application/json' }],
      ['username=a', { 'content-type': 'application/x-www-form-urlencoded' }],
      [`${'['.repeat(5000)}${']'.repeat(5000)}`, { 'content-type': 'application/json' }],
      ['\xff\xfe\xfd', { 'content-type': 'application/json' }],
    ];
    const paths = ['/api/users/register', '/api/users/login', '/api/users/refresh', '/api/conversations/direct', '/api/users/me/backup'];
    for (const path of paths) {
      for (const [body, headers] of bodies) {
        const method = path.endsWith('backup') ? 'PUT' : 'POST';
        const res = await rawRequest(`${server.url}${path}`, method, body, headers);
        expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
        expect(isErrorCode((res.json as { error?: { code?: string } }).error?.code)).toBe(true);
      }
    }
    await healthy();
  });
});
