// Accounts for benchmarks, registered over raw HTTP: a fresh identity, a random login secret (no
// password derivation, so a thousand accounts take seconds) and one certified device, so the access
// token names the device as a real client's does. Shared by group-cost, fanout and capacity.
import { randomBytes } from 'node:crypto';
import { certifyDevice, cryptoReady, type DeviceKeyPair, encodeDeviceCertificate, generateDeviceKeys, generateIdentity, toBase64url } from '@mekong/client-core/testing';

export interface RawAccount {
  userId: string;
  username: string;
  deviceId: string;
  accessToken: string;
  refreshToken: string;
  keys: DeviceKeyPair;
}

/** POST JSON; a reset connection (a busy machine) is retried twice, an HTTP error never is. */
export async function postJson<T>(base: string, path: string, body: unknown, token?: string, fetchImpl: typeof fetch = fetch): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetchImpl(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    } catch (err) {
      if (attempt >= 2) throw err;
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}

/**
 * Register `username` with one device.
 * @example const a = await registerAccount('http://127.0.0.1:8787', 'gc_0001');
 */
export async function registerAccount(base: string, username: string, fetchImpl: typeof fetch = fetch): Promise<RawAccount> {
  await cryptoReady();
  const identity = generateIdentity();
  const reg = await postJson<{ accessToken: string; user: { id: string } }>(
    base,
    '/api/users/register',
    { username, displayName: username, loginSecret: toBase64url(randomBytes(32)), identityKey: toBase64url(identity.publicKey), backup: toBase64url(randomBytes(80)) },
    undefined,
    fetchImpl,
  );
  const keys = generateDeviceKeys();
  const deviceId = toBase64url(randomBytes(12));
  const cert = certifyDevice(identity, { userId: reg.user.id, deviceId, signPublicKey: keys.signPublicKey, boxPublicKey: keys.boxPublicKey, issuedAt: Date.now() });
  const dev = await postJson<{ deviceId: string; accessToken: string; refreshToken: string }>(
    base,
    '/api/users/me/devices',
    { id: deviceId, signKey: toBase64url(keys.signPublicKey), boxKey: toBase64url(keys.boxPublicKey), certificate: toBase64url(encodeDeviceCertificate(cert)) },
    reg.accessToken,
    fetchImpl,
  );
  return { userId: reg.user.id, username, deviceId: dev.deviceId, accessToken: dev.accessToken, refreshToken: dev.refreshToken, keys };
}
