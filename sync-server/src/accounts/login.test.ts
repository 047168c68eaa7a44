import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createArgon2Hasher } from '../passwords';
import { createMemoryRateLimiter } from '../rate-limit';
import {
  call,
  countingHasher,
  countRows,
  errorCode,
  json,
  key32,
  type Registered,
  registerUser,
  setupServices,
  type TestServices,
} from '../test-helpers';

let s: TestServices;
let lan: Registered;
beforeEach(async () => {
  s = await setupServices();
  lan = await registerUser(s.app, 'lan');
});
afterEach(() => s.db.destroy());

const login = (body: unknown, headers?: Record<string, string>) => call(s.app, 'POST', '/api/users/login', { body, headers });

describe('POST /api/users/login', () => {
  it('binds the session to a known device and returns the backup', async () => {
    const res = await login({ username: 'LAN', loginSecret: lan.loginSecret, deviceId: lan.deviceId });
    expect(res.status).toBe(200);
    const out = await json(res);
    expect(out).toMatchObject({ user: lan.user, deviceId: lan.deviceId, backup: { version: 1, data: lan.backup }, expiresIn: 900 });
    expect((await s.tokens.verifyAccess(out.accessToken as string)).deviceId).toBe(lan.deviceId);
    expect(out.refreshToken).not.toBe(lan.refreshToken);
  });

  it('opens a device-less session on a new browser (no or unknown device id)', async () => {
    for (const deviceId of [undefined, 'not-a-device-of-lan']) {
      const out = await json(await login({ username: 'lan', loginSecret: lan.loginSecret, ...(deviceId ? { deviceId } : {}) }));
      expect(out.deviceId).toBeNull();
      expect((await s.tokens.verifyAccess(out.accessToken as string)).deviceId).toBeUndefined();
    }
  });

  it("ignores another user's device id", async () => {
    const minh = await registerUser(s.app, 'minh');
    const out = await json(await login({ username: 'lan', loginSecret: lan.loginSecret, deviceId: minh.deviceId }));
    expect(out.deviceId).toBeNull();
  });

  it('gives the same answer for an unknown username and a wrong secret, after the same hashing work', async () => {
    const before = s.hasher.calls.verify;
    const wrong = await login({ username: 'lan', loginSecret: key32() });
    expect(s.hasher.calls.verify).toBe(before + 1);
    const unknown = await login({ username: 'nobody', loginSecret: key32() });
    expect(s.hasher.calls.verify).toBe(before + 2);

    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(wrong.status);
    const [a, b] = [await wrong.text(), await unknown.text()];
    expect(a).toBe(b);
    expect(JSON.parse(a).error.code).toBe('INVALID_CREDENTIALS');
    expect([...wrong.headers.entries()]).toEqual([...unknown.headers.entries()]);
    expect(await countRows(s.db, 'sessions')).toBe(1);
  });

  it('rejects malformed input with 400 before any hashing', async () => {
    const before = s.hasher.calls.verify;
    for (const body of [{}, { username: 'lan' }, { username: 'lan', loginSecret: 123 }, { username: 'lan', loginSecret: lan.loginSecret, extra: 1 }, '{oops']) {
      const res = await login(body);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe('BAD_REQUEST');
    }
    expect(s.hasher.calls.verify).toBe(before);
  });
});

describe('login rate limits', () => {
  it('stops guessing one username after 10 attempts a minute, before hashing, with Retry-After', async () => {
    let t = 1_700_000_000_000;
    const now = () => t;
    const hasher = await countingHasher();
    const limited = await setupServices({
      hasher,
      now,
      rateLimits: { loginPerUsername: createMemoryRateLimiter({ attempts: 10, windowMs: 60_000, now }) },
    });
    try {
      await registerUser(limited.app, 'lan');
      const attempt = () => call(limited.app, 'POST', '/api/users/login', { body: { username: 'Lan', loginSecret: key32() } });
      for (let i = 0; i < 10; i++) expect((await attempt()).status).toBe(401);
      const verifies = hasher.calls.verify;
      const refused = await attempt();
      expect(refused.status).toBe(429);
      expect(await errorCode(refused)).toBe('RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(6);
      expect(hasher.calls.verify).toBe(verifies);
      // Other usernames are not affected.
      expect((await call(limited.app, 'POST', '/api/users/login', { body: { username: 'other', loginSecret: key32() } })).status).toBe(401);
      t += 6_000;
      expect((await attempt()).status).toBe(401);
    } finally {
      await limited.db.destroy();
    }
  });

  it('stops one client address after 30 attempts a minute across usernames', async () => {
    const hasher = await countingHasher();
    const limited = await setupServices({
      hasher,
      clientIp: (c) => c.req.header('x-test-ip') ?? 'none',
      rateLimits: { loginPerIp: createMemoryRateLimiter({ attempts: 30, windowMs: 60_000 }) },
    });
    try {
      const from = (ip: string, i: number) =>
        call(limited.app, 'POST', '/api/users/login', { body: { username: `user${i}`, loginSecret: key32() }, headers: { 'x-test-ip': ip } });
      for (let i = 0; i < 30; i++) expect((await from('10.0.0.1', i)).status).toBe(401);
      const verifies = hasher.calls.verify;
      const refused = await from('10.0.0.1', 99);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(hasher.calls.verify).toBe(verifies);
      expect((await from('10.0.0.2', 99)).status).toBe(401);
    } finally {
      await limited.db.destroy();
    }
  });

  it('uses 10 per username and 30 per address by default', async () => {
    const hasher = await countingHasher();
    const defaults = await setupServices({ hasher, rateLimits: {} });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        statuses.push((await call(defaults.app, 'POST', '/api/users/login', { body: { username: 'target', loginSecret: key32() } })).status);
      }
      expect(statuses.filter((x) => x === 429)).toHaveLength(1);
      for (let i = 0; i < 25; i++) {
        statuses.push((await call(defaults.app, 'POST', '/api/users/login', { body: { username: `user${i}`, loginSecret: key32() } })).status);
      }
      // The address bucket (30) paid for all 11 attempts on "target", leaving 19 of the next 25.
      expect(statuses.slice(11)).toEqual([...Array(19).fill(401), ...Array(6).fill(429)]);
      expect(hasher.calls.verify).toBe(10 + 19);
    } finally {
      await defaults.db.destroy();
    }
  });
});

describe('default Argon2id cost', () => {
  it('registers and logs in with the interactive limits', async () => {
    const d = await setupServices({ hasher: await countingHasher(await createArgon2Hasher()) });
    try {
      const minh = await registerUser(d.app, 'minh');
      const stored = await d.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
      expect(stored.password_hash).toContain('$argon2id$v=19$m=65536,t=2,');
      const ok = await call(d.app, 'POST', '/api/users/login', { body: { username: 'minh', loginSecret: minh.loginSecret } });
      expect(ok.status).toBe(200);
      const bad = await call(d.app, 'POST', '/api/users/login', { body: { username: 'minh', loginSecret: randomBytes(32).toString('base64url') } });
      expect(bad.status).toBe(401);
    } finally {
      await d.db.destroy();
    }
  });
});
