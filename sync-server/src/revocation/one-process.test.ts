// The one-process server (SQLite, in-process revocations): signing out through the API closes the
// device's socket on the embedded relay, and its access token no longer opens one.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloseCode, type Down, decodeDown, encodeUp, ErrorCode, PROTOCOL_VERSION } from '@mekong/schema';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunningMekong, startMekong } from '../main';
import { registerBody } from '../test-helpers';

let dir: string;
let server: RunningMekong;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mekong-revoke-'));
  server = await startMekong({ port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'silent', passwordHash: { opslimit: 1, memlimit: 8192 }, tokenSecret: randomBytes(32).toString('hex') });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function socket(token: string): { frames: Down[]; closed: Promise<number> } {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/sync`);
  const frames: Down[] = [];
  ws.on('message', (data: Buffer) => frames.push(decodeDown(new Uint8Array(data))));
  ws.on('open', () => ws.send(encodeUp({ type: 'auth', protocol: PROTOCOL_VERSION, token })));
  return { frames, closed: new Promise((ok) => ws.on('close', (code) => ok(code))) };
}

async function until(check: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

it('closes a signed-out device’s socket and refuses its access token afterwards', async () => {
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`http://127.0.0.1:${server.port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const reg = (await (await post('/api/users/register', registerBody('lan'))).json()) as { accessToken: string };
  const open = socket(reg.accessToken);
  await until(() => open.frames.some((f) => f.type === 'welcome'));

  expect((await post('/api/users/logout', {}, reg.accessToken)).status).toBe(204);
  expect(await open.closed).toBe(CloseCode.REVOKED);
  expect(open.frames.find((f) => f.type === 'error')).toMatchObject({ code: ErrorCode.UNAUTHENTICATED });

  const again = socket(reg.accessToken);
  expect(await again.closed).toBe(CloseCode.UNAUTHENTICATED);
  expect(again.frames.map((f) => f.type)).toEqual(['error']);
});
