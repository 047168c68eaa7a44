import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, errorCode, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';

let s: TestServices;
let lan: Registered;
beforeEach(async () => {
  s = await setupServices();
  lan = await registerUser(s.app, 'lan');
});
afterEach(() => s.db.destroy());

const put = (token: string, body: unknown) => call(s.app, 'PUT', '/api/users/me/backup', { token, body });
const get = (token: string) => call(s.app, 'GET', '/api/users/me/backup', { token });
const blob = (bytes: number) => randomBytes(bytes).toString('base64url');

describe('key backup', () => {
  it('replaces the backup by compare-and-swap on its version', async () => {
    const v2 = blob(500);
    const res = await put(lan.accessToken, { expectedVersion: 1, data: v2 });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ version: 2 });
    expect(await json(await get(lan.accessToken))).toEqual({ version: 2, data: v2 });
  });

  it('answers 409 CONFLICT to a writer holding a stale version and keeps the newer backup', async () => {
    const second = await json<{ accessToken: string }>(
      await call(s.app, 'POST', '/api/users/login', { body: { username: 'lan', loginSecret: lan.loginSecret } }),
    );
    const fromLaptop = blob(100);
    expect((await put(lan.accessToken, { expectedVersion: 1, data: fromLaptop })).status).toBe(200);
    const stale = await put(second.accessToken, { expectedVersion: 1, data: blob(100) });
    expect(stale.status).toBe(409);
    expect(await errorCode(stale)).toBe('CONFLICT');
    for (const expectedVersion of [0, 3, 99]) {
      expect((await put(second.accessToken, { expectedVersion, data: blob(10) })).status).toBe(409);
    }
    expect(await json(await get(second.accessToken))).toEqual({ version: 2, data: fromLaptop });
  });

  it('answers 404 without a backup; the first upload uses expectedVersion 0', async () => {
    await s.db.deleteFrom('key_backups').execute();
    const missing = await get(lan.accessToken);
    expect(missing.status).toBe(404);
    expect(await errorCode(missing)).toBe('NOT_FOUND');
    expect((await put(lan.accessToken, { expectedVersion: 1, data: blob(10) })).status).toBe(409);
    expect(await json(await put(lan.accessToken, { expectedVersion: 0, data: 'AAAA' }))).toEqual({ version: 1 });
    expect((await put(lan.accessToken, { expectedVersion: 0, data: 'BBBB' })).status).toBe(409);
  });

  it('is private to its owner', async () => {
    const minh = await registerUser(s.app, 'minh');
    expect(await json(await get(minh.accessToken))).toEqual({ version: 1, data: minh.backup });
    expect((await get(lan.accessToken)).status).toBe(200);
    expect((await json(await get(lan.accessToken))).data).toBe(lan.backup);
    expect((await call(s.app, 'GET', '/api/users/me/backup')).status).toBe(401);
    expect((await call(s.app, 'PUT', '/api/users/me/backup', { body: { expectedVersion: 1, data: 'AAAA' } })).status).toBe(401);
  });

  it('accepts 1.5 MiB of backup text, past the 64 KiB default body limit', async () => {
    const big = 'A'.repeat(1.5 * 1024 * 1024);
    const res = await put(lan.accessToken, { expectedVersion: 1, data: big });
    expect(res.status).toBe(200);
    expect((await json(await get(lan.accessToken))).data).toHaveLength(big.length);
  });

  it('rejects oversized, malformed and mistyped uploads without changing the backup', async () => {
    const cases: [unknown, number, Record<string, string>?][] = [
      [{ expectedVersion: 1, data: 'A'.repeat(1.5 * 1024 * 1024 + 4) }, 400],
      [{ expectedVersion: 1, data: 'A'.repeat(2 * 1024 * 1024 + 1) }, 413],
      [{ expectedVersion: -1, data: 'AAAA' }, 400],
      [{ expectedVersion: 1.5, data: 'AAAA' }, 400],
      [{ expectedVersion: '1', data: 'AAAA' }, 400],
      [{ expectedVersion: 1, data: '' }, 400],
      [{ expectedVersion: 1, data: 'AAAA', version: 7 }, 400],
      [{ data: 'AAAA' }, 400],
      ['{"expectedVersion":1,"data":"AAAA"', 400],
      [{ expectedVersion: 1, data: 'AAAA' }, 400, { 'content-type': 'application/octet-stream' }],
    ];
    for (const [body, status, headers] of cases) {
      const res = await call(s.app, 'PUT', '/api/users/me/backup', { token: lan.accessToken, body, headers });
      expect(res.status).toBe(status);
    }
    expect(await json(await get(lan.accessToken))).toEqual({ version: 1, data: lan.backup });
  });
});
