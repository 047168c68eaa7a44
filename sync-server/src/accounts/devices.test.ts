import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, countRows, errorCode, json, newDevice, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';

let s: TestServices;
let lan: Registered;
beforeEach(async () => {
  s = await setupServices();
  lan = await registerUser(s.app, 'lan');
});
afterEach(() => s.db.destroy());

async function loginWithoutDevice() {
  const res = await call(s.app, 'POST', '/api/users/login', { body: { username: 'lan', loginSecret: lan.loginSecret } });
  return json<{ accessToken: string; refreshToken: string; deviceId: string | null }>(res);
}

describe('devices', () => {
  it('a new browser registers its device, binding the session and rotating its tokens', async () => {
    const session = await loginWithoutDevice();
    const device = newDevice('phone');
    const res = await call(s.app, 'POST', '/api/users/me/devices', { token: session.accessToken, body: device });
    expect(res.status).toBe(201);
    const out = await json<{ deviceId: string; accessToken: string; refreshToken: string; expiresIn: number }>(res);
    expect((await s.tokens.verifyAccess(out.accessToken)).deviceId).toBe(out.deviceId);
    expect(out.refreshToken).not.toBe(session.refreshToken);

    const listed = await json<{ devices: { id: string }[] }>(await call(s.app, 'GET', `/api/users/${lan.user.id}/devices`, { token: out.accessToken }));
    expect(listed.devices.map((d) => d.id)).toEqual([lan.deviceId, out.deviceId]);
    expect(listed.devices[1]).toEqual({ id: out.deviceId, signKey: device.signKey, boxKey: device.boxKey, certificate: device.certificate, createdAt: expect.any(Number) });

    // The device-less access token no longer matches its session.
    expect((await call(s.app, 'GET', '/api/users/me', { token: session.accessToken })).status).toBe(401);
    expect((await call(s.app, 'POST', '/api/users/refresh', { body: { refreshToken: out.refreshToken } })).status).toBe(200);
    // The refresh token from before the binding counts as used: replaying it ends the session.
    expect((await call(s.app, 'POST', '/api/users/refresh', { body: { refreshToken: session.refreshToken } })).status).toBe(401);
  });

  it('a later login names the device and gets a device-bound session', async () => {
    const session = await loginWithoutDevice();
    const { deviceId } = await json<{ deviceId: string }>(
      await call(s.app, 'POST', '/api/users/me/devices', { token: session.accessToken, body: newDevice() }),
    );
    const again = await json(await call(s.app, 'POST', '/api/users/login', { body: { username: 'lan', loginSecret: lan.loginSecret, deviceId } }));
    expect(again.deviceId).toBe(deviceId);
  });

  it('a session that already has a device cannot register another (409) and nothing is stored', async () => {
    const res = await call(s.app, 'POST', '/api/users/me/devices', { token: lan.accessToken, body: newDevice() });
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe('CONFLICT');
    expect(await countRows(s.db, 'devices')).toBe(1);
  });

  it('rejects malformed keys, requires auth, and stores nothing', async () => {
    const session = await loginWithoutDevice();
    for (const body of [{}, { ...newDevice(), signKey: 'short' }, { ...newDevice(), certificate: '' }, { ...newDevice(), name: 'x'.repeat(65) }, { ...newDevice(), userId: lan.user.id }]) {
      const res = await call(s.app, 'POST', '/api/users/me/devices', { token: session.accessToken, body });
      expect(res.status).toBe(400);
    }
    expect((await call(s.app, 'POST', '/api/users/me/devices', { body: newDevice() })).status).toBe(401);
    expect(await countRows(s.db, 'devices')).toBe(1);
  });

  it('lists only active devices, and 404 for an unknown user', async () => {
    await s.db.updateTable('devices').set({ revoked_at: Date.now() }).where('id', '=', lan.deviceId).execute();
    const minh = await registerUser(s.app, 'minh');
    expect(await json(await call(s.app, 'GET', `/api/users/${lan.user.id}/devices`, { token: minh.accessToken }))).toEqual({ devices: [] });
    expect((await call(s.app, 'GET', '/api/users/AAAAAAAAAAAAAAAAAAAAAA/devices', { token: minh.accessToken })).status).toBe(404);
  });

  it('ignores a revoked device id at login', async () => {
    await s.db.updateTable('devices').set({ revoked_at: Date.now() }).where('id', '=', lan.deviceId).execute();
    const out = await json(await call(s.app, 'POST', '/api/users/login', { body: { username: 'lan', loginSecret: lan.loginSecret, deviceId: lan.deviceId } }));
    expect(out.deviceId).toBeNull();
  });
});
