// Accounts for the capacity benchmark, set up over raw HTTP against a Mekong API process: each user
// registers, adds one device (so its access token names the device, as a real client's does), and
// users pair up in 1-1 conversations, which their connections then follow.
import { randomBytes } from 'node:crypto';
import { certifyDevice, cryptoReady, encodeDeviceCertificate, generateDeviceKeys, generateIdentity, toBase64url } from '@mekong/client-core/testing';
import type { Target } from './control';

async function post<T>(base: string, path: string, body: unknown, token?: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    } catch (err) {
      // a busy machine can reset a connection now and then; the requests here are safe to repeat only before they succeed
      if (attempt >= 2 || (err instanceof Error && /: \d{3} /.test(err.message))) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** Registers a user with one device; returns its id and device tokens. */
async function registerUser(base: string, username: string): Promise<{ userId: string; token: string; refresh: string }> {
  const identity = generateIdentity();
  const reg = await post<{ accessToken: string; user: { id: string } }>(base, '/api/users/register', {
    username,
    displayName: username,
    loginSecret: toBase64url(randomBytes(32)),
    identityKey: toBase64url(identity.publicKey),
    backup: toBase64url(randomBytes(80)),
  });
  const dev = generateDeviceKeys();
  const deviceId = toBase64url(randomBytes(12));
  const cert = certifyDevice(identity, { userId: reg.user.id, deviceId, signPublicKey: dev.signPublicKey, boxPublicKey: dev.boxPublicKey, issuedAt: Date.now() });
  const withDevice = await post<Tokens>(
    base,
    '/api/users/me/devices',
    { id: deviceId, signKey: toBase64url(dev.signPublicKey), boxKey: toBase64url(dev.boxPublicKey), certificate: toBase64url(encodeDeviceCertificate(cert)) },
    reg.accessToken,
  );
  return { userId: reg.user.id, token: withDevice.accessToken, refresh: withDevice.refreshToken };
}

/**
 * `count` users (an even number) named `<prefix>_<n>`, each with a device token and the 1-1
 * conversation it shares with its partner (users 0+1, 2+3, ...).
 */
export async function createTargets(base: string, prefix: string, count: number, concurrency = 16, progress?: (done: number) => void): Promise<Target[]> {
  await cryptoReady();
  const pairs = Math.ceil(count / 2);
  const out: Target[] = new Array(pairs * 2);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const p = next++;
      if (p >= pairs) return;
      const names = [`${prefix}_${2 * p}`, `${prefix}_${2 * p + 1}`] as const;
      const a = await registerUser(base, names[0]);
      const b = await registerUser(base, names[1]);
      const direct = await post<{ conversation: { id: string } }>(base, '/api/conversations/direct', { peerUserId: b.userId }, a.token);
      out[2 * p] = { id: names[0], token: a.token, refresh: a.refresh, conv: direct.conversation.id };
      out[2 * p + 1] = { id: names[1], token: b.token, refresh: b.refresh, conv: direct.conversation.id };
      done += 2;
      if (done % 500 === 0) progress?.(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out.slice(0, count);
}

/**
 * Fresh access tokens for `targets` (rotating their refresh tokens), in place: access tokens live
 * 15 minutes, less than setting up 100,000 connections can take on a busy machine.
 */
export async function refreshTargets(base: string, targets: Target[], concurrency = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const t = targets[next++];
      if (!t) return;
      if (!t.refresh) throw new Error(`${t.id} has no refresh token`);
      const pair = await post<Tokens>(base, '/api/users/refresh', { refreshToken: t.refresh });
      t.token = pair.accessToken;
      t.refresh = pair.refreshToken;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
