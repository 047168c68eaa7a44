import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenService } from '../tokens';
import { call, errorCode, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';

let s: TestServices;
let lan: Registered;
beforeEach(async () => {
  s = await setupServices();
  lan = await registerUser(s.app, 'lan');
});
afterEach(() => s.db.destroy());

const refresh = (refreshToken: unknown) => call(s.app, 'POST', '/api/users/refresh', { body: { refreshToken } });
const me = (token?: string, headers?: Record<string, string>) => call(s.app, 'GET', '/api/users/me', { token, headers });

describe('POST /api/users/refresh', () => {
  it('rotates the refresh token and keeps the device binding', async () => {
    const res = await refresh(lan.refreshToken);
    expect(res.status).toBe(200);
    const out = await json(res);
    expect(Object.keys(out).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken']);
    expect(out.refreshToken).not.toBe(lan.refreshToken);
    expect((await s.tokens.verifyAccess(out.accessToken as string)).deviceId).toBe(lan.deviceId);
    expect((await me(out.accessToken as string)).status).toBe(200);

    const again = await json(await refresh(out.refreshToken));
    expect(again.refreshToken).not.toBe(out.refreshToken);
  });

  it('revokes the whole session when a rotated token is presented again', async () => {
    const first = await json(await refresh(lan.refreshToken));
    // An attacker replays the stolen, already-used token.
    const replay = await refresh(lan.refreshToken);
    expect(replay.status).toBe(401);
    expect(await errorCode(replay)).toBe('UNAUTHENTICATED');
    // The legitimate holder's newer tokens stop working too.
    expect((await refresh(first.refreshToken)).status).toBe(401);
    expect((await me(first.accessToken as string)).status).toBe(401);
  });

  it('lets one of two concurrent exchanges of the same token win and ends the session', async () => {
    const results = await Promise.all([refresh(lan.refreshToken), refresh(lan.refreshToken)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = await json(results.find((r) => r.status === 200) as Response);
    expect((await refresh(winner.refreshToken)).status).toBe(401);
  });

  it('answers 401 for an unknown token and 400 for a malformed one', async () => {
    expect((await refresh(randomBytes(32).toString('base64url'))).status).toBe(401);
    for (const bad of [undefined, 42, '', 'not base64url!', 'a'.repeat(129)]) {
      const res = await call(s.app, 'POST', '/api/users/refresh', { body: bad === undefined ? {} : { refreshToken: bad } });
      expect(res.status).toBe(400);
    }
    // None of that touched the real session.
    expect((await refresh(lan.refreshToken)).status).toBe(200);
  });

  it('ends a session that was not refreshed within its lifetime', async () => {
    let t = 1_700_000_000_000;
    const short = await setupServices({ now: () => t, refreshTtlSeconds: 3600 });
    try {
      const minh = await registerUser(short.app, 'minh');
      t += 3_599_000;
      const next = await json(await call(short.app, 'POST', '/api/users/refresh', { body: { refreshToken: minh.refreshToken } }));
      // Each refresh extends the session by its lifetime...
      t += 3_599_000;
      const last = await json(await call(short.app, 'POST', '/api/users/refresh', { body: { refreshToken: next.refreshToken } }));
      expect(typeof last.refreshToken).toBe('string');
      // ...and an hour of silence ends it.
      t += 3_601_000;
      const late = await call(short.app, 'POST', '/api/users/refresh', { body: { refreshToken: last.refreshToken } });
      expect(late.status).toBe(401);
      expect(await errorCode(late)).toBe('UNAUTHENTICATED');
    } finally {
      await short.db.destroy();
    }
  });
});

describe('POST /api/users/logout', () => {
  it('ends the session: its refresh and access tokens stop working', async () => {
    const res = await call(s.app, 'POST', '/api/users/logout', { token: lan.accessToken });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect((await refresh(lan.refreshToken)).status).toBe(401);
    expect((await me(lan.accessToken)).status).toBe(401);
  });

  it('leaves the other sessions of the user open', async () => {
    const other = await json(await call(s.app, 'POST', '/api/users/login', { body: { username: 'lan', loginSecret: lan.loginSecret } }));
    await call(s.app, 'POST', '/api/users/logout', { token: lan.accessToken });
    expect((await me(other.accessToken as string)).status).toBe(200);
  });

  it('requires a token', async () => {
    expect((await call(s.app, 'POST', '/api/users/logout')).status).toBe(401);
  });
});

describe('authentication', () => {
  it('answers 401 UNAUTHENTICATED without a valid bearer token', async () => {
    const foreign = await createTokenService({ secret: randomBytes(32) }).issueAccess({ userId: lan.user.id, sessionId: 'x' });
    const attempts: Array<[string | undefined, Record<string, string>?]> = [
      [undefined],
      [undefined, { authorization: 'Basic bGFuOnB3' }],
      [undefined, { authorization: `Bearer` }],
      [undefined, { authorization: `bearer${lan.accessToken}` }],
      ['garbage'],
      [foreign],
      [lan.refreshToken],
    ];
    for (const [token, headers] of attempts) {
      const res = await me(token, headers);
      expect(res.status).toBe(401);
      expect(await errorCode(res)).toBe('UNAUTHENTICATED');
    }
  });

  it('answers 401 TOKEN_EXPIRED for an expired access token', async () => {
    let t = Date.now();
    const timed = await setupServices({ now: () => t });
    try {
      const minh = await registerUser(timed.app, 'minh');
      t += 901_000;
      const res = await call(timed.app, 'GET', '/api/users/me', { token: minh.accessToken });
      expect(res.status).toBe(401);
      expect(await errorCode(res)).toBe('TOKEN_EXPIRED');
    } finally {
      await timed.db.destroy();
    }
  });

  it('rejects a correctly signed token whose session does not match it', async () => {
    const claims = await s.tokens.verifyAccess(lan.accessToken);
    const forged = await s.tokens.issueAccess({ userId: 'someone-else', sessionId: claims.sessionId, deviceId: lan.deviceId ?? undefined });
    expect((await me(forged)).status).toBe(401);
    const noDevice = await s.tokens.issueAccess({ userId: lan.user.id, sessionId: claims.sessionId });
    expect((await me(noDevice)).status).toBe(401);
  });
});
