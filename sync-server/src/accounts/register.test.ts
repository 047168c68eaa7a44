import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, countRows, errorCode, json, registerBody, setupServices, type TestServices } from '../test-helpers';

let s: TestServices;
beforeEach(async () => {
  s = await setupServices();
});
afterEach(() => s.db.destroy());

describe('POST /api/users/register', () => {
  it('creates the user, its first device, backup and session', async () => {
    const body = registerBody('Lan.Nguyen');
    const res = await call(s.app, 'POST', '/api/users/register', { body });
    expect(res.status).toBe(201);
    const out = await json(res);
    expect(out).toMatchObject({
      user: { username: 'lan.nguyen', displayName: 'User Lan.Nguyen', identityKey: body.identityKey },
      expiresIn: 900,
    });
    expect(typeof out.deviceId).toBe('string');
    expect(typeof out.accessToken).toBe('string');
    expect(typeof out.refreshToken).toBe('string');

    const access = await s.tokens.verifyAccess(out.accessToken as string);
    expect(access.deviceId).toBe(out.deviceId);
    const devices = await json(await call(s.app, 'GET', '/api/users/me/devices', { token: out.accessToken as string }));
    expect(devices.devices).toEqual([
      { id: out.deviceId, signKey: body.device.signKey, boxKey: body.device.boxKey, certificate: body.device.certificate, createdAt: expect.any(Number) },
    ]);
    const backup = await json(await call(s.app, 'GET', '/api/users/me/backup', { token: out.accessToken as string }));
    expect(backup).toEqual({ version: 1, data: body.backup });
    // Only a hash of the login secret is stored.
    const row = await s.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(body.loginSecret);
  });

  it('refuses a taken username whatever its case, without hashing', async () => {
    expect((await call(s.app, 'POST', '/api/users/register', { body: registerBody('minh') })).status).toBe(201);
    const hashes = s.hasher.calls.hash;
    const res = await call(s.app, 'POST', '/api/users/register', { body: registerBody('MINH') });
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe('USERNAME_TAKEN');
    expect(s.hasher.calls.hash).toBe(hashes);
    expect(await countRows(s.db, 'users')).toBe(1);
    expect(await countRows(s.db, 'devices')).toBe(1);
  });

  it('creates an account without a device; the session then has none until one is added', async () => {
    const { device: _device, ...withoutDevice } = registerBody('no_device_yet');
    const res = await call(s.app, 'POST', '/api/users/register', { body: withoutDevice });
    expect(res.status).toBe(201);
    expect((await res.json()).deviceId).toBeNull();
  });

  it('keeps a device id chosen by the client and refuses a second device with the same id', async () => {
    const a = registerBody('chooser_a');
    const res = await call(s.app, 'POST', '/api/users/register', { body: { ...a, device: { ...a.device, id: 'client-chosen-1' } } });
    expect(res.status).toBe(201);
    expect((await res.json()).deviceId).toBe('client-chosen-1');
    const b = registerBody('chooser_b');
    const dup = await call(s.app, 'POST', '/api/users/register', { body: { ...b, device: { ...b.device, id: 'client-chosen-1' } } });
    expect(dup.status).toBe(409);
    expect(await countRows(s.db, 'users', )).toBeGreaterThan(0);
  });

  it('lets exactly one of two simultaneous registrations of a name through', async () => {
    const results = await Promise.all([1, 2, 3].map(() => call(s.app, 'POST', '/api/users/register', { body: registerBody('hoa') })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await countRows(s.db, 'users')).toBe(1);
    expect(await countRows(s.db, 'sessions')).toBe(1);
  });

  const valid = registerBody('valid_name');
  const cases: [string, unknown, Record<string, string>?][] = [
    ['an empty object', {}],
    ['a device id that is not url-safe', { ...valid, device: { ...valid.device, id: 'a b' } }],
    ['a number as username', { ...valid, username: 42 }],
    ['a too short username', { ...valid, username: 'ab' }],
    ['a username with spaces', { ...valid, username: 'lan nguyen' }],
    ['a username with diacritics', { ...valid, username: 'lân' }],
    ['a 33-character username', { ...valid, username: 'a'.repeat(33) }],
    ['an empty display name', { ...valid, displayName: '   ' }],
    ['a 65-character display name', { ...valid, displayName: 'x'.repeat(65) }],
    ['a display name with a control character', { ...valid, displayName: 'a\u0007b' }],
    ['a login secret that is not 32 bytes', { ...valid, loginSecret: 'c2hvcnQ' }],
    ['a padded key', { ...valid, identityKey: `${valid.identityKey}=` }],
    ['a key with a non-canonical last character', { ...valid, identityKey: `${valid.identityKey.slice(0, 42)}B` }],
    ['a backup with base64 (not url) characters', { ...valid, backup: 'ab+/' }],
    ['a backup over 1.5 MiB', { ...valid, backup: 'A'.repeat(1.5 * 1024 * 1024 + 4) }],
    ['an unknown field', { ...valid, admin: true }],
    ['an unknown device field', { ...valid, device: { ...valid.device, revoked: false } }],
    ['a __proto__ key', `{"__proto__":{"admin":true},${JSON.stringify(valid).slice(1)}`],
    ['a nested __proto__ key', JSON.stringify(valid).replace('"device":{', '"device":{"__proto__":{"x":1},')],
    ['malformed JSON', '{"username": "lan",'],
    ['an empty body', ''],
    ['a JSON array', '[]'],
    ['a text/plain body', JSON.stringify(valid), { 'content-type': 'text/plain' }],
    ['a form body', 'username=lan', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content type', JSON.stringify(valid), { 'content-type': '' }],
  ];
  for (const [what, body, headers] of cases) {
    it(`answers 400 BAD_REQUEST for ${what} and stores nothing`, async () => {
      const res = await call(s.app, 'POST', '/api/users/register', { body, headers });
      expect(res.status).toBe(400);
      const err = await json<{ error: { code: string; message: string } }>(res);
      expect(err.error.code).toBe('BAD_REQUEST');
      expect(err.error.message.length).toBeGreaterThan(0);
      expect(await countRows(s.db, 'users')).toBe(0);
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });
  }

  it('answers 413 PAYLOAD_TOO_LARGE past 2 MiB, before reading it all', async () => {
    const res = await call(s.app, 'POST', '/api/users/register', { body: { ...valid, backup: 'A'.repeat(2 * 1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(await json(res)).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } });
    expect(await countRows(s.db, 'users')).toBe(0);
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    const res = await s.app.request('/api/users/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(3 * 1024 * 1024) },
      body: JSON.stringify(valid),
    });
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
  });
});
