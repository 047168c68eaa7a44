// Revocation across a cluster: an API process and two relay processes' worth of services on one
// PostgreSQL schema and one Redis. Signing out through the API closes the device's socket on another
// relay, a removed group member loses the subscription on theirs, and a ban from the admin CLI closes
// the user's sockets everywhere and refuses them from then on.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalEntry, CloseCode, type Down, decodeDown, encodeUp, ErrorCode, type MembershipEntry, type MembershipOp, PROTOCOL_VERSION } from '@mekong/schema';
import type { RunningMekong } from '@mekong/sync-server';
import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SKIP_CLUSTER, SKIP_CLUSTER_NOTE, startTwoRelayCluster, type TwoRelayCluster } from './relay-cluster';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const key32 = () => randomBytes(32).toString('base64url');

interface Account {
  userId: string;
  deviceId: string;
  accessToken: string;
  loginSecret: string;
  identityKey: string;
  certificate: string;
  signSecret: Uint8Array;
}

/** Registers through the API with a real device signing key (membership entries are signed with it). */
async function register(api: string, username: string): Promise<Account> {
  const device = sodium.crypto_sign_keypair();
  const body = {
    username,
    displayName: username,
    loginSecret: key32(),
    identityKey: key32(),
    backup: randomBytes(64).toString('base64url'),
    device: { signKey: b64(device.publicKey), boxKey: key32(), certificate: randomBytes(96).toString('base64url') },
  };
  const res = await fetch(`${api}/api/users/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
  const out = (await res.json()) as { user: { id: string }; deviceId: string; accessToken: string };
  return {
    userId: out.user.id,
    deviceId: out.deviceId,
    accessToken: out.accessToken,
    loginSecret: body.loginSecret,
    identityKey: body.identityKey,
    certificate: body.device.certificate,
    signSecret: device.privateKey,
  };
}

async function api(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const context = (text: string) => new Uint8Array([...new TextEncoder().encode(text), 0]);
const concat = (...parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

/** A signed membership entry on top of `prev` (the previous entry, or none for the create entry). */
function sign(conv: string, by: Account, change: MembershipOp, prev?: { entry: MembershipEntry; index: number }): MembershipEntry {
  const hash = prev
    ? (() => {
        const { sig, ...unsigned } = prev.entry;
        return b64(sodium.crypto_generichash(32, concat(context('mekong/v1/membership-hash'), canonicalEntry(unsigned), Buffer.from(sig, 'base64url')), null));
      })()
    : '';
  const unsigned = { conv, index: prev ? prev.index + 1 : 0, prev: hash, change, by: { user: by.userId, device: by.deviceId }, deviceCert: by.certificate, at: Date.now() };
  return { ...unsigned, sig: b64(sodium.crypto_sign_detached(concat(context('mekong/v1/membership-entry'), canonicalEntry(unsigned)), by.signSecret)) };
}

/** A raw relay socket: every frame it received, and how and when it closed. */
interface Socket {
  ws: WebSocket;
  frames: Down[];
  closed: Promise<{ code: number; at: number }>;
  until<T extends Down>(match: (f: Down) => f is T, what: string, timeoutMs?: number): Promise<T>;
}

function openSocket(relay: RunningMekong): Promise<Socket> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/sync`);
    const frames: Down[] = [];
    const closed = new Promise<{ code: number; at: number }>((done) => ws.on('close', (code) => done({ code, at: performance.now() })));
    ws.on('message', (data: Buffer) => frames.push(decodeDown(new Uint8Array(data))));
    const until = async <T extends Down>(match: (f: Down) => f is T, what: string, timeoutMs = 5000): Promise<T> => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const found = frames.find(match);
        if (found) return found;
        if (Date.now() > end) throw new Error(`no ${what}; got ${frames.map((f) => f.type).join(',') || 'nothing'}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    ws.on('open', () => ok({ ws, frames, closed, until }));
    ws.on('error', fail);
  });
}

const isType =
  <K extends Down['type']>(type: K, extra: (f: Extract<Down, { type: K }>) => boolean = () => true) =>
  (f: Down): f is Extract<Down, { type: K }> =>
    f.type === type && extra(f as Extract<Down, { type: K }>);

async function authed(relay: RunningMekong, token: string): Promise<Socket> {
  const s = await openSocket(relay);
  s.ws.send(encodeUp({ type: 'auth', protocol: PROTOCOL_VERSION, token }));
  await s.until(isType('welcome'), 'welcome');
  return s;
}

/** Runs the admin CLI the way an operator does, against the cluster's database and Redis. */
function admin(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'sync-server/src/cli/admin.ts'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => done({ code, out }));
  });
}

let cluster: TwoRelayCluster;
let relayB: RunningMekong;
let relayC: RunningMekong;
let A: string;

beforeAll(async () => {
  if (SKIP_CLUSTER) return;
  await sodium.ready;
  cluster = await startTwoRelayCluster('revocation');
  [relayB, relayC] = cluster.relays;
  A = cluster.apiUrl;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe.skipIf(SKIP_CLUSTER)(`revocation across relays (PostgreSQL + Redis)${SKIP_CLUSTER_NOTE}`, () => {
  it('closes a signed-out device’s socket on another relay, and refuses its still-valid token there', async () => {
    const lan = await register(A, `lan${randomBytes(3).toString('hex')}`);
    const socket = await authed(relayB, lan.accessToken);
    const started = performance.now();
    const res = await api(A, 'POST', '/api/users/logout', lan.accessToken);
    const answered = performance.now();
    expect(res.status).toBe(204);
    const closed = await Promise.race([socket.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]);
    expect(closed, 'the socket on relay B closed').toBeDefined();
    expect(closed?.code).toBe(CloseCode.REVOKED);
    expect(socket.frames.filter((f) => f.type === 'error').map((f) => f.type === 'error' && f.code)).toEqual([ErrorCode.UNAUTHENTICATED]);
    console.info(
      `revocation latency: logout request to socket closed on the other relay ${(closed!.at - started).toFixed(1)} ms ` +
        `(after the API answered: ${(closed!.at - answered).toFixed(1)} ms)`,
    );

    // the access token has not expired, but its session has: the relay refuses it
    const again = await openSocket(relayB);
    again.ws.send(encodeUp({ type: 'auth', protocol: PROTOCOL_VERSION, token: lan.accessToken }));
    expect((await again.until(isType('error'), 'error')).code).toBe(ErrorCode.UNAUTHENTICATED);
    expect((await again.closed).code).toBe(CloseCode.UNAUTHENTICATED);
  });

  it('unsubscribes a removed group member on another relay and refuses their re-subscription', async () => {
    const tag = randomBytes(3).toString('hex');
    const owner = await register(A, `owner${tag}`);
    const kim = await register(A, `kim${tag}`);
    const conv = `g_${randomBytes(12).toString('base64url')}`;
    const create = sign(conv, owner, {
      op: 'create',
      kind: 'group',
      members: [
        { user: owner.userId, identityKey: owner.identityKey, role: 'owner' },
        { user: kim.userId, identityKey: kim.identityKey, role: 'member' },
      ],
      epoch: 1,
    });
    expect((await api(A, 'POST', '/api/groups', owner.accessToken, { name: 'Nhóm', entry: create })).status).toBe(201);

    const ownerSocket = await authed(relayB, owner.accessToken);
    const kimSocket = await authed(relayC, kim.accessToken);
    for (const s of [ownerSocket, kimSocket]) {
      s.ws.send(encodeUp({ type: 'subscribe', conv, after: 0 }));
      await s.until(isType('synced'), 'synced');
    }

    const remove = sign(conv, owner, { op: 'remove', user: kim.userId, epoch: 2 }, { entry: create, index: 0 });
    const started = performance.now();
    expect((await api(A, 'DELETE', `/api/groups/${conv}/members/${kim.userId}`, owner.accessToken, { entry: remove })).status).toBe(200);
    const unsubscribed = await kimSocket.until(isType('unsubscribed'), 'unsubscribed');
    console.info(`revocation latency: member removal to unsubscribed on the other relay ${(performance.now() - started).toFixed(1)} ms (upper bound, polled)`);
    expect(unsubscribed).toEqual({ type: 'unsubscribed', conv, code: ErrorCode.NOT_MEMBER });

    kimSocket.ws.send(encodeUp({ type: 'subscribe', conv, after: 0 }));
    expect(await kimSocket.until(isType('error', (e) => e.conv === conv), 'refusal')).toMatchObject({ code: ErrorCode.NOT_MEMBER });
    // the owner keeps the conversation; kim keeps the socket
    await new Promise((r) => setTimeout(r, 50));
    expect(ownerSocket.frames.some((f) => f.type === 'unsubscribed')).toBe(false);
    expect(kimSocket.ws.readyState).toBe(WebSocket.OPEN);
    ownerSocket.ws.close();
    kimSocket.ws.close();
  });

  it('closes a banned user’s sockets on every relay, and refuses their sign-in and their tokens', async () => {
    const username = `minh${randomBytes(3).toString('hex')}`;
    const minh = await register(A, username);
    const onB = await authed(relayB, minh.accessToken);
    const onC = await authed(relayC, minh.accessToken);

    const cli = await admin(['ban', username], { DATABASE_URL: cluster.schema.url, REDIS_URL: cluster.redisUrl });
    expect(cli.code, cli.out).toBe(0);
    expect(cli.out).toMatch(/banned .*relays told/s);
    for (const s of [onB, onC]) {
      const closed = await Promise.race([s.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]);
      expect(closed?.code).toBe(CloseCode.REVOKED);
      expect(s.frames.find((f) => f.type === 'error')).toMatchObject({ code: ErrorCode.FORBIDDEN });
    }

    const login = await api(A, 'POST', '/api/users/login', undefined, { username, loginSecret: minh.loginSecret, deviceId: minh.deviceId });
    expect(login.status).toBe(403);
    expect(((await login.json()) as { error: { code: string } }).error.code).toBe(ErrorCode.FORBIDDEN);
    const retry = await openSocket(relayC);
    retry.ws.send(encodeUp({ type: 'auth', protocol: PROTOCOL_VERSION, token: minh.accessToken }));
    expect((await retry.until(isType('error'), 'error')).code).toBe(ErrorCode.FORBIDDEN);
    expect((await retry.closed).code).toBe(CloseCode.REVOKED);
  });
});
