// The relays' token check: a token opens a socket only while its session is open, and `recheck`
// (what a relay asks after a gap in revocations, holding the session id rather than the token)
// gives the same answers for the session of claims verified earlier.
import { ErrorCode } from '@mekong/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { banUser } from '../accounts';
import { call, registerUser, setupServices, type TestServices } from '../test-helpers';

let s: TestServices;
beforeEach(async () => {
  s = await setupServices();
});
afterEach(async () => {
  await s.db.destroy();
});

const codeOf = (p: Promise<unknown>) => p.then(() => 'accepted', (err: { code?: string }) => err.code);

describe('session token verifier', () => {
  it('names the session of a token and accepts it again while the session is open', async () => {
    const alice = await registerUser(s.app, 'alice');
    const claims = await s.relayTokens.verify(alice.accessToken);
    expect(claims).toMatchObject({ userId: alice.user.id, deviceId: alice.deviceId });
    expect(claims.sessionId).toEqual(expect.any(String));
    const session = { userId: claims.userId, deviceId: claims.deviceId, sessionId: claims.sessionId! };
    await expect(s.relayTokens.recheck!(session)).resolves.toBeUndefined();
    // the session belongs to one user and one device
    expect(await codeOf(s.relayTokens.recheck!({ ...session, deviceId: 'another-device' }))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(await codeOf(s.relayTokens.recheck!({ ...session, userId: 'someone-else' }))).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('refuses the session once its device signed out, and a banned user’s as suspended', async () => {
    const alice = await registerUser(s.app, 'alice');
    const bob = await registerUser(s.app, 'bob');
    const a = await s.relayTokens.verify(alice.accessToken);
    const b = await s.relayTokens.verify(bob.accessToken);

    expect((await call(s.app, 'POST', '/api/users/logout', { token: alice.accessToken, body: {} })).status).toBe(204);
    expect(await codeOf(s.relayTokens.recheck!({ userId: a.userId, deviceId: a.deviceId, sessionId: a.sessionId! }))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(await codeOf(s.relayTokens.verify(alice.accessToken))).toBe(ErrorCode.UNAUTHENTICATED);

    await banUser(s.db, bob.user.id, Date.now());
    expect(await codeOf(s.relayTokens.recheck!({ userId: b.userId, deviceId: b.deviceId, sessionId: b.sessionId! }))).toBe(ErrorCode.FORBIDDEN);
  });
});
