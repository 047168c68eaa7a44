// Bans as a user meets them: sign-in and refresh refused with FORBIDDEN, every session revoked,
// and signing in works again once the ban is lifted.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession } from '../sessions';
import { call, countRows, errorCode, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';
import { banUser, isBanned, unbanUser } from './bans-repo';

let s: TestServices;
let lan: Registered;
beforeEach(async () => {
  s = await setupServices();
  lan = await registerUser(s.app, 'lan');
});
afterEach(() => s.db.destroy());

const login = (secret = lan.loginSecret) => call(s.app, 'POST', '/api/users/login', { body: { username: 'lan', loginSecret: secret, deviceId: lan.deviceId } });
const refresh = (refreshToken: string) => call(s.app, 'POST', '/api/users/refresh', { body: { refreshToken } });
const me = (token: string) => call(s.app, 'GET', '/api/users/me', { token });
const openSessions = async (userId: string) =>
  (await s.db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).execute()).length;

describe('banning a user', () => {
  it('revokes every session and refuses sign-in and refresh with FORBIDDEN', async () => {
    const second = await json<{ refreshToken: string }>(await login());
    const minh = await registerUser(s.app, 'minh');
    expect(await openSessions(lan.user.id)).toBe(2);

    expect(await banUser(s.db, lan.user.id, 1_700_000_000_000)).toEqual({ alreadyBanned: false, sessionsRevoked: 2 });
    expect(await isBanned(s.db, lan.user.id)).toBe(true);
    expect(await openSessions(lan.user.id)).toBe(0);

    const refused = await login();
    expect([refused.status, await errorCode(refused)]).toEqual([403, 'FORBIDDEN']);
    for (const token of [lan.refreshToken, second.refreshToken]) {
      const r = await refresh(token);
      expect([r.status, await errorCode(r)]).toEqual([403, 'FORBIDDEN']);
    }
    expect((await me(lan.accessToken)).status).toBe(401);
    // a wrong password learns nothing about the ban
    const guess = await login('A'.repeat(43));
    expect([guess.status, await errorCode(guess)]).toEqual([401, 'INVALID_CREDENTIALS']);
    // nobody else is touched
    expect((await me(minh.accessToken)).status).toBe(200);
  });

  it('locks out a session opened in a race with the ban', async () => {
    await banUser(s.db, lan.user.id, Date.now());
    const { session } = await openSession(s.db, { now: Date.now, refreshTtlMs: 60_000 }, lan.user.id, lan.deviceId);
    const token = await s.tokens.issueAccess({ userId: lan.user.id, sessionId: session.id, deviceId: lan.deviceId ?? undefined });
    expect((await me(token)).status).toBe(401);
  });

  it('is idempotent, and lifting it lets the user sign in again', async () => {
    await banUser(s.db, lan.user.id, 1);
    expect(await banUser(s.db, lan.user.id, 2)).toEqual({ alreadyBanned: true, sessionsRevoked: 0 });
    expect(await unbanUser(s.db, lan.user.id)).toBe(true);
    expect(await unbanUser(s.db, lan.user.id)).toBe(false);
    const back = await login();
    expect(back.status).toBe(200);
    expect((await me((await json<{ accessToken: string }>(back)).accessToken)).status).toBe(200);
    // the sessions the ban ended stay ended
    expect((await refresh(lan.refreshToken)).status).toBe(401);
  });

  it('answers undefined for an unknown user and changes nothing', async () => {
    const before = await countRows(s.db, 'sessions');
    expect(await banUser(s.db, 'nobody', 1)).toBeUndefined();
    expect(await unbanUser(s.db, 'nobody')).toBeUndefined();
    expect(await countRows(s.db, 'sessions')).toBe(before);
    expect(await isBanned(s.db, lan.user.id)).toBe(false);
  });
});
