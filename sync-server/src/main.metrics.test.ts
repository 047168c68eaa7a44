// startMekong as an operator sees it: GET /metrics on every role, and sockets closed with 1012 on stop().
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Role, type RunningMekong, type StartOptions, startMekong } from './main';
import { minimalLimits } from './passwords';

const running: Array<{ m: RunningMekong; dir: string }> = [];
afterEach(async () => {
  for (const { m, dir } of running.splice(0)) {
    await m.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function start(role: Role, extra: Partial<StartOptions> = {}): Promise<RunningMekong> {
  const dir = mkdtempSync(join(tmpdir(), 'mekong-metrics-'));
  const m = await startMekong({ port: 0, host: '127.0.0.1', dataDir: dir, role, logLevel: 'silent', passwordHash: await minimalLimits(), ...extra });
  running.push({ m, dir });
  return m;
}

/** A raw WebSocket upgrade on /sync; the socket is the client's end after the handshake. */
function upgrade(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/sync',
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64') },
    });
    req.on('upgrade', (_res, socket) => resolve(socket));
    req.on('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

/** The status code of the first close frame the server sends on `socket`. */
function closeCode(socket: Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      // unmasked server frame: opcode 0x8 is close, payload length < 126, then the 2-byte code
      if (buf.length >= 4 && (buf[0]! & 0x0f) === 0x8) resolve(buf.readUInt16BE(2));
    });
    socket.on('error', reject);
  });
}

const scrape = async (m: RunningMekong, headers: Record<string, string> = {}) => {
  const res = await fetch(`http://127.0.0.1:${m.port}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

describe('GET /metrics on every role', () => {
  for (const role of ['all', 'api', 'relay'] as const) {
    it(`role ${role}: Prometheus text with process, HTTP${role === 'api' ? '' : ' and relay'} metrics`, async () => {
      const m = await start(role);
      expect((await fetch(`http://127.0.0.1:${m.port}/healthz`)).status).toBe(200);
      const sockets = role === 'api' ? [] : [await upgrade(m.port)];
      const { status, type, text } = await scrape(m);
      expect(status).toBe(200);
      expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
      expect(text).toContain('mekong_http_requests_total{method="GET",route="/healthz",status="200"} 1');
      expect(text).toMatch(/^mekong_password_hash_queue \d+$/m);
      if (role === 'api') expect(text).not.toContain('mekong_relay_');
      else expect(text).toMatch(/^mekong_relay_connections 1$/m);
      for (const s of sockets) s.destroy();
    });
  }

  it('asks for the bearer token when MEKONG_METRICS_TOKEN is configured', async () => {
    const m = await start('relay', { metricsToken: 'scrape-me-9f2c' });
    expect((await scrape(m)).status).toBe(401);
    expect((await scrape(m, { authorization: 'Bearer nope' })).status).toBe(401);
    const ok = await scrape(m, { authorization: 'Bearer scrape-me-9f2c' });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('mekong_relay_connections');
  });
});

describe('stop() on a relay process', () => {
  it('closes open sockets with 1012 service restart', async () => {
    const m = await start('relay');
    const socket = await upgrade(m.port);
    const code = closeCode(socket);
    const stopped = m.stop();
    expect(await code).toBe(1012);
    socket.destroy();
    await stopped; // afterEach calls stop() again: it is idempotent
  });
});
