import type { UsernameBatchResponse } from '@mekong/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, errorCode, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';

let s: TestServices;
let lan: Registered;
let minh: Registered;
beforeEach(async () => {
  s = await setupServices();
  lan = await registerUser(s.app, 'lan');
  minh = await registerUser(s.app, 'minh');
});
afterEach(() => s.db.destroy());

describe('profiles', () => {
  it('GET /:id and GET /me return the public profile only', async () => {
    const res = await call(s.app, 'GET', `/api/users/${minh.user.id}`, { token: lan.accessToken });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ id: minh.user.id, username: 'minh', displayName: 'User minh', identityKey: minh.user.identityKey });
    expect(await json(await call(s.app, 'GET', '/api/users/me', { token: lan.accessToken }))).toEqual(lan.user);
  });

  it('GET /by-username/:username folds case and answers 404 for nobody', async () => {
    const res = await call(s.app, 'GET', '/api/users/by-username/MINH', { token: lan.accessToken });
    expect(await json(res)).toEqual(minh.user);
    const missing = await call(s.app, 'GET', '/api/users/by-username/nobody', { token: lan.accessToken });
    expect(missing.status).toBe(404);
    expect(await errorCode(missing)).toBe('NOT_FOUND');
  });

  it('POST /by-username answers many users in one round trip, in the order asked, and names the missing', async () => {
    const hoa = await registerUser(s.app, 'hoa');
    // 1,000 names (the most), found ones spread across the repository's chunks of 500, one asked twice in other case
    const names = Array.from({ length: 1000 }, (_, i) => `nobody_${i}`);
    names[3] = 'MINH';
    names[777] = 'hoa';
    names[999] = 'minh';
    const res = await call(s.app, 'POST', '/api/users/by-username', { token: lan.accessToken, body: { usernames: names } });
    expect(res.status).toBe(200);
    const body = (await json(res)) as UsernameBatchResponse;
    expect(body.users).toEqual([minh.user, hoa.user]);
    expect(body.missing).toHaveLength(997);
    expect(body.missing[0]).toBe('nobody_0');
    expect(body.missing).not.toContain('minh');
  });

  it('POST /by-username refuses an empty list, more than 1,000 names, a malformed name, and a caller without a token', async () => {
    const cases: Array<[string, unknown]> = [
      ['empty', { usernames: [] }],
      ['1,001 names', { usernames: Array.from({ length: 1001 }, (_, i) => `user_${i}`) }],
      ['bad name', { usernames: ['minh', 'no spaces allowed'] }],
      ['extra key', { usernames: ['minh'], all: true }],
      ['not a list', { usernames: 'minh' }],
    ];
    for (const [why, body] of cases) {
      const res = await call(s.app, 'POST', '/api/users/by-username', { token: lan.accessToken, body });
      expect(res.status, why).toBe(400);
      expect(await errorCode(res), why).toBe('BAD_REQUEST');
    }
    expect((await call(s.app, 'POST', '/api/users/by-username', { body: { usernames: ['minh'] } })).status).toBe(401);
  });

  it('finds a user named "devices" rather than the devices of "by-username"', async () => {
    const devices = await registerUser(s.app, 'devices');
    const res = await call(s.app, 'GET', '/api/users/by-username/devices', { token: lan.accessToken });
    expect(await json(res)).toEqual(devices.user);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await call(s.app, 'GET', '/api/users/AAAAAAAAAAAAAAAAAAAAAA', { token: lan.accessToken })).status).toBe(404);
    const bad = await call(s.app, 'GET', `/api/users/${'x'.repeat(200)}`, { token: lan.accessToken });
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe('BAD_REQUEST');
  });

  it('requires authentication for every profile route', async () => {
    for (const [method, path] of [
      ['GET', `/api/users/${minh.user.id}`],
      ['GET', '/api/users/by-username/minh'],
      ['GET', `/api/users/${minh.user.id}/devices`],
      ['PUT', `/api/users/${lan.user.id}`],
    ] as const) {
      const res = await call(s.app, method, path, { body: method === 'PUT' ? { displayName: 'x' } : undefined });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it('PUT /:id changes the caller\'s own display name (trimmed)', async () => {
    const res = await call(s.app, 'PUT', `/api/users/${lan.user.id}`, { token: lan.accessToken, body: { displayName: '  Lân Nguyễn ' } });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ...lan.user, displayName: 'Lân Nguyễn' });
    expect((await json(await call(s.app, 'GET', `/api/users/${lan.user.id}`, { token: minh.accessToken }))).displayName).toBe('Lân Nguyễn');
    // An empty update changes nothing and still answers the profile.
    expect((await json(await call(s.app, 'PUT', '/api/users/me', { token: lan.accessToken, body: {} }))).displayName).toBe('Lân Nguyễn');
  });

  it("PUT /:id on someone else's profile is 403 FORBIDDEN and changes nothing", async () => {
    const res = await call(s.app, 'PUT', `/api/users/${minh.user.id}`, { token: lan.accessToken, body: { displayName: 'hacked' } });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('FORBIDDEN');
    expect((await json(await call(s.app, 'GET', `/api/users/${minh.user.id}`, { token: lan.accessToken }))).displayName).toBe('User minh');
  });

  it('PUT /:id rejects bad input and fields that are not editable', async () => {
    for (const body of [{ displayName: '' }, { displayName: 7 }, { username: 'other' }, { identityKey: minh.user.identityKey }, 'nope']) {
      const res = await call(s.app, 'PUT', `/api/users/${lan.user.id}`, { token: lan.accessToken, body });
      expect(res.status).toBe(400);
    }
    expect(await json(await call(s.app, 'GET', '/api/users/me', { token: lan.accessToken }))).toEqual(lan.user);
  });

  it('answers 413 for a profile update over 64 KiB', async () => {
    const res = await call(s.app, 'PUT', '/api/users/me', { token: lan.accessToken, body: { displayName: 'x'.repeat(70_000) } });
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
  });
});
