// startMekong as an operator runs it: HTTP keep-alive, password-hashing threads per role, the
// client address behind trusted proxies (TRUST_PROXY), and the relay's limits.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, type ClientRequest, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrustProxy } from '@mekong/relay';
import { decodeDown, encodeUp, ErrorCode } from '@mekong/schema';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Role, type RunningMekong, type StartOptions, startMekong } from './main';
import { minimalLimits } from './passwords';
import type { RateLimiter } from './rate-limit';

const running: Array<{ m: RunningMekong; dir: string }> = [];
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  for (const { m, dir } of running.splice(0)) {
    await m.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function start(role: Role, extra: Partial<StartOptions> = {}): Promise<RunningMekong> {
  const dir = mkdtempSync(join(tmpdir(), 'mekong-ops-'));
  const m = await startMekong({ port: 0, host: '127.0.0.1', dataDir: dir, role, logLevel: 'silent', passwordHash: await minimalLimits(), ...extra });
  running.push({ m, dir });
  return m;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** GET /healthz through `agent`: the socket it went over, and whether that socket was reused from the pool. */
function get(agent: Agent, port: number): Promise<{ socket: Socket; reused: boolean; keepAlive: string | string[] | undefined }> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ socket: req.socket as Socket, reused: req.reusedSocket, keepAlive: res.headers['keep-alive'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP keep-alive', () => {
  it('keeps an idle connection longer than a client pool keeps one (5 s), so the client reuses it', async () => {
    const m = await start('relay'); // the default: 65 s
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(agent, m.port);
      expect(first.reused).toBe(false);
      expect(first.keepAlive).toBe('timeout=65');
      await sleep(5500);
      const second = await get(agent, m.port);
      expect(second.reused).toBe(true);
      expect(second.socket).toBe(first.socket);
    } finally {
      agent.destroy();
    }
  }, 15_000);

  it('closes a connection idle longer than keepAliveTimeoutMs from the server side', async () => {
    const m = await start('relay', { keepAliveTimeoutMs: 1000 });
    // a raw socket: Node's own client would close first, one second before the server's hint
    const socket = connect(m.port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString();
    });
    const ended = new Promise<number>((resolve) => socket.once('end', () => resolve(Date.now())));
    socket.write('GET /healthz HTTP/1.1\r\nHost: mekong\r\n\r\n');
    await until(() => received.includes('"ok":true'));
    expect(received).toMatch(/^keep-alive: timeout=1\r$/im);
    const idleSince = Date.now();
    const endedAt = await Promise.race([ended, sleep(4000).then(() => Number.NaN)]);
    expect(endedAt - idleSince, 'the server ended the idle connection after about a second').toBeGreaterThanOrEqual(900);
    expect(endedAt - idleSince).toBeLessThan(3000);
  }, 15_000);
});

const scrapeThreads = async (m: RunningMekong): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${m.port}/metrics`)).text();
  const line = /^mekong_password_hash_threads (\d+)$/m.exec(text);
  if (!line) throw new Error('no mekong_password_hash_threads in /metrics');
  return Number(line[1]);
};

const login = (m: RunningMekong, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${m.port}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username: 'nobody_here', loginSecret: randomBytes(32).toString('base64url') }),
  });

describe('password-hashing threads', () => {
  it('are never started by a relay-only process, and only at the first sign-in by an API process', async () => {
    const relay = await start('relay');
    expect(await scrapeThreads(relay)).toBe(0);
    const api = await start('api');
    expect(await scrapeThreads(api)).toBe(0);
    expect((await login(api)).status).toBe(401);
    expect(await scrapeThreads(api)).toBe(2);
  });
});

describe('the rate-limit key behind proxies', () => {
  /** A limiter that allows everything and remembers the keys it was asked about. */
  const recorder = () => {
    const keys: string[] = [];
    const limiter: RateLimiter = {
      take: async (key) => {
        keys.push(key);
        return { allowed: true };
      },
    };
    return { keys, limiter };
  };

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    for (const trustProxy of [undefined, parseTrustProxy('10.0.0.0/8')]) {
      const { keys, limiter } = recorder();
      const m = await start('api', { rateLimits: { loginPerIp: limiter }, ...(trustProxy ? { trustProxy } : {}) });
      await login(m, { 'x-forwarded-for': '198.51.100.1' });
      await login(m, { 'x-forwarded-for': '198.51.100.2' });
      expect(keys).toEqual(['127.0.0.1', '127.0.0.1']);
    }
  });

  it('keys by the address a trusted proxy forwarded', async () => {
    const { keys, limiter } = recorder();
    const m = await start('api', { rateLimits: { loginPerIp: limiter }, trustProxy: parseTrustProxy('127.0.0.1') });
    await login(m, { 'x-forwarded-for': '6.6.6.6, 198.51.100.1' }); // the client's own claim, then what the proxy saw
    await login(m);
    expect(keys).toEqual(['198.51.100.1', '127.0.0.1']);
  });
});

describe('relay limits', () => {
  /**
   * Error codes the relay answers to `count` pings sent at once on a fresh socket. Before an auth
   * frame, a ping that passes the rate limiter is refused as UNAUTHENTICATED (and the socket closed),
   * so at least one error always comes back.
   */
  async function errorsForPingBurst(m: RunningMekong, count: number): Promise<string[]> {
    const ws = new WebSocket(`ws://127.0.0.1:${m.port}/sync`);
    const codes: string[] = [];
    ws.on('message', (data: Buffer) => {
      const frame = decodeDown(new Uint8Array(data));
      if (frame.type === 'error') codes.push(frame.code);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    // in one TCP write, so the relay meters them all before it handles the first
    const raw = (ws as unknown as { _socket: Socket })._socket;
    raw.cork();
    for (let id = 1; id <= count; id++) ws.send(encodeUp({ type: 'ping', id }));
    raw.uncork();
    await until(() => codes.includes(ErrorCode.UNAUTHENTICATED));
    ws.close();
    return codes;
  }

  it('takes the per-connection frame rate from relayLimits (default 300/s, burst 600)', async () => {
    const strict = await start('relay', { relayLimits: { framesPerSecond: 2, burst: 2 } });
    expect(await errorsForPingBurst(strict, 5)).toContain(ErrorCode.RATE_LIMITED);
    const defaults = await start('relay');
    expect(await errorsForPingBurst(defaults, 5)).not.toContain(ErrorCode.RATE_LIMITED);
  });
});
