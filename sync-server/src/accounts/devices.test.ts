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

describe('POST /api/users/devices (many users at once)', () => {
  it('answers the active devices of every existing user named, and leaves unknown ids out', async () => {
    const minh = await registerUser(s.app, 'minh');
    const hoa = await registerUser(s.app, 'hoa');
    const res = await call(s.app, 'POST', '/api/users/devices', { token: lan.accessToken, body: { userIds: [minh.user.id, hoa.user.id, 'AAAAAAAAAAAAAAAAAAAAAA', minh.user.id] } });
    expect(res.status).toBe(200);
    const out = await json<{ users: Array<{ userId: string; devices: Array<{ id: string }> }> }>(res);
    const byUser = Object.fromEntries(out.users.map((u) => [u.userId, u.devices.map((d) => d.id)]));
    expect(byUser).toEqual({ [minh.user.id]: [minh.deviceId], [hoa.user.id]: [hoa.deviceId] });
    // the same answer the one-user route gives
    const single = await json<{ devices: unknown[] }>(await call(s.app, 'GET', `/api/users/${minh.user.id}/devices`, { token: lan.accessToken }));
    expect(out.users.find((u) => u.userId === minh.user.id)!.devices).toEqual(single.devices);
  });

  it('refuses anonymous callers, empty and oversized lists', async () => {
    expect((await call(s.app, 'POST', '/api/users/devices', { body: { userIds: [lan.user.id] } })).status).toBe(401);
    expect(await errorCode(await call(s.app, 'POST', '/api/users/devices', { token: lan.accessToken, body: { userIds: [] } }))).toBe('BAD_REQUEST');
    const many = Array.from({ length: 1001 }, (_, i) => `user${String(i).padStart(18, '0')}`);
    expect(await errorCode(await call(s.app, 'POST', '/api/users/devices', { token: lan.accessToken, body: { userIds: many } }))).toBe('BAD_REQUEST');
    expect(await errorCode(await call(s.app, 'POST', '/api/users/devices', { token: lan.accessToken, body: { userIds: [lan.user.id], extra: 1 } }))).toBe('BAD_REQUEST');
  });
});

describe('retiring devices', () => {
  it('DELETE /me/devices/:id retires one of my devices: no longer listed, its sessions end', async () => {
    const session = await loginWithoutDevice();
    const added = await json<{ deviceId: string; accessToken: string; refreshToken: string }>(
      await call(s.app, 'POST', '/api/users/me/devices', { token: session.accessToken, body: newDevice('tablet') }),
    );
    const minh = await registerUser(s.app, 'minh');
    expect((await call(s.app, 'DELETE', `/api/users/me/devices/${added.deviceId}`, { token: minh.accessToken })).status).toBe(404);
    const res = await call(s.app, 'DELETE', `/api/users/me/devices/${added.deviceId}`, { token: lan.accessToken });
    expect(res.status).toBe(204);
    const listed = await json<{ devices: { id: string }[] }>(await call(s.app, 'GET', `/api/users/${lan.user.id}/devices`, { token: minh.accessToken }));
    expect(listed.devices.map((d) => d.id)).toEqual([lan.deviceId]);
    // still listed on request, as retired: what it signed before still verifies
    const all = await json<{ devices: { id: string; revokedAt: number | null }[] }>(await call(s.app, 'GET', `/api/users/${lan.user.id}/devices?retired=1`, { token: minh.accessToken }));
    expect(all.devices.map((d) => [d.id, d.revokedAt === null])).toEqual([
      [lan.deviceId, true],
      [added.deviceId, false],
    ]);
    expect((await call(s.app, 'GET', `/api/users/${lan.user.id}/devices?retired=yes`, { token: minh.accessToken })).status).toBe(400);
    expect((await call(s.app, 'POST', '/api/users/refresh', { body: { refreshToken: added.refreshToken } })).status).toBe(401);
    expect((await call(s.app, 'GET', '/api/users/me', { token: added.accessToken })).status).toBe(401);
    expect((await call(s.app, 'DELETE', `/api/users/me/devices/${added.deviceId}`, { token: lan.accessToken })).status).toBe(404);
    expect((await call(s.app, 'DELETE', `/api/users/me/devices/${added.deviceId}`)).status).toBe(401);
  });

  it('logging out retires the device', async () => {
    expect((await call(s.app, 'POST', '/api/users/logout', { token: lan.accessToken })).status).toBe(204);
    const minh = await registerUser(s.app, 'minh');
    const listed = await json<{ devices: unknown[] }>(await call(s.app, 'GET', `/api/users/${lan.user.id}/devices`, { token: minh.accessToken }));
    expect(listed.devices).toEqual([]);
  });
});
