import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBlockedEitherWay } from './index';
import { call, countRows, errorCode, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';
import { blockUser, friendIds, makeFriends, sendRequest, startDirect } from './test-support';

let s: TestServices;
let lan: Registered;
let minh: Registered;
let hoa: Registered;
beforeEach(async () => {
  let t = Date.now();
  s = await setupServices({ now: () => ++t });
  [lan, minh, hoa] = [await registerUser(s.app, 'lan'), await registerUser(s.app, 'minh'), await registerUser(s.app, 'hoa')];
});
afterEach(() => s.db.destroy());

const blocks = async (who: Registered) =>
  (await json<{ blocks: { user: { id: string }; since: number }[] }>(await call(s.app, 'GET', '/api/blocks', { token: who.accessToken }))).blocks;

describe('POST /api/blocks', () => {
  it('blocks (201), lists the block, and answers 200 with the same block when repeated', async () => {
    const res = await call(s.app, 'POST', '/api/blocks', { token: lan.accessToken, body: { userId: minh.user.id } });
    expect(res.status).toBe(201);
    const body = await json<{ block: { user: unknown; since: number } }>(res);
    expect(body).toEqual({ block: { user: minh.user, since: expect.any(Number) } });
    const again = await call(s.app, 'POST', '/api/blocks', { token: lan.accessToken, body: { userId: minh.user.id } });
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual(body);
    expect(await blocks(lan)).toEqual([body.block]);
    // The blocked user's list shows nothing about it.
    expect(await blocks(minh)).toEqual([]);
    expect(await isBlockedEitherWay(s.db, lan.user.id, minh.user.id)).toBe(true);
    expect(await isBlockedEitherWay(s.db, minh.user.id, lan.user.id)).toBe(true);
    expect(await isBlockedEitherWay(s.db, minh.user.id, hoa.user.id)).toBe(false);
  });

  it('ends the friendship and drops pending requests both ways', async () => {
    await makeFriends(s.app, lan, minh);
    await sendRequest(s.app, hoa, lan);
    await blockUser(s.app, lan, minh);
    await blockUser(s.app, hoa, lan);
    expect(await friendIds(s.app, lan)).toEqual([]);
    expect(await friendIds(s.app, minh)).toEqual([]);
    expect(await countRows(s.db, 'friend_requests')).toBe(0);
    // Unblocking does not bring the friendship back.
    expect((await call(s.app, 'DELETE', `/api/blocks/${minh.user.id}`, { token: lan.accessToken })).status).toBe(204);
    expect(await friendIds(s.app, lan)).toEqual([]);
    expect(await blocks(lan)).toEqual([]);
  });

  it('drops a request the blocker had sent too', async () => {
    await sendRequest(s.app, lan, minh);
    await blockUser(s.app, lan, minh);
    expect(await countRows(s.db, 'friend_requests')).toBe(0);
  });

  it('works on someone who blocked you first, without telling you', async () => {
    await blockUser(s.app, minh, lan);
    await blockUser(s.app, lan, minh);
    expect((await blocks(lan)).map((b) => b.user.id)).toEqual([minh.user.id]);
    expect((await blocks(minh)).map((b) => b.user.id)).toEqual([lan.user.id]);
  });

  it('refuses yourself (400) and unknown users (404)', async () => {
    const self = await call(s.app, 'POST', '/api/blocks', { token: lan.accessToken, body: { userId: lan.user.id } });
    expect([self.status, await errorCode(self)]).toEqual([400, 'BAD_REQUEST']);
    const unknown = await call(s.app, 'POST', '/api/blocks', { token: lan.accessToken, body: { userId: 'AAAAAAAAAAAAAAAAAAAAAA' } });
    expect([unknown.status, await errorCode(unknown)]).toEqual([404, 'NOT_FOUND']);
    expect(await countRows(s.db, 'blocks')).toBe(0);
  });

  it('settles a block racing friend requests and accepts: no friendship or request survives it', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await sendRequest(s.app, minh, lan);
      await Promise.all([
        call(s.app, 'PUT', `/api/friends/request/${id}/accept`, { token: lan.accessToken }),
        call(s.app, 'POST', '/api/blocks', { token: minh.accessToken, body: { userId: lan.user.id } }),
        call(s.app, 'POST', '/api/friends/request', { token: lan.accessToken, body: { userId: minh.user.id } }),
      ]);
      expect(await countRows(s.db, 'friendships')).toBe(0);
      expect(await countRows(s.db, 'friend_requests')).toBe(0);
      expect((await call(s.app, 'DELETE', `/api/blocks/${lan.user.id}`, { token: minh.accessToken })).status).toBe(204);
    }
  });
});

describe('DELETE /api/blocks/:userId and GET /api/blocks', () => {
  it('unblocks (204); unblocking someone not blocked is 404', async () => {
    await blockUser(s.app, lan, minh);
    await blockUser(s.app, lan, hoa);
    expect((await blocks(lan)).map((b) => b.user.id)).toEqual([hoa.user.id, minh.user.id]);
    expect((await call(s.app, 'DELETE', `/api/blocks/${minh.user.id}`, { token: lan.accessToken })).status).toBe(204);
    expect((await blocks(lan)).map((b) => b.user.id)).toEqual([hoa.user.id]);
    const again = await call(s.app, 'DELETE', `/api/blocks/${minh.user.id}`, { token: lan.accessToken });
    expect([again.status, await errorCode(again)]).toEqual([404, 'NOT_FOUND']);
    // The blocked side cannot lift it.
    expect((await call(s.app, 'DELETE', `/api/blocks/${lan.user.id}`, { token: hoa.accessToken })).status).toBe(404);
    expect((await blocks(lan)).map((b) => b.user.id)).toEqual([hoa.user.id]);
    // After unblocking, a request goes through again.
    expect((await call(s.app, 'POST', '/api/friends/request', { token: minh.accessToken, body: { userId: lan.user.id } })).status).toBe(201);
  });
});

describe('direct conversations and blocks', () => {
  const direct = (from: Registered, peerUserId: string) => call(s.app, 'POST', '/api/conversations/direct', { token: from.accessToken, body: { peerUserId } });

  it('the blocked user cannot open a new one and hears exactly what an unknown user gets', async () => {
    await blockUser(s.app, minh, lan);
    const blocked = await direct(lan, minh.user.id);
    const unknown = await direct(lan, 'AAAAAAAAAAAAAAAAAAAAAA');
    expect(blocked.status).toBe(404);
    expect(await blocked.text()).toBe(await unknown.text());
    const blocker = await direct(minh, lan.user.id);
    expect([blocker.status, await errorCode(blocker)]).toEqual([403, 'FORBIDDEN']);
    expect(await countRows(s.db, 'conversations')).toBe(0);
    // Others are not affected.
    expect((await direct(lan, hoa.user.id)).status).toBe(201);
  });

  it('an existing conversation is still returned (200), which reveals nothing new', async () => {
    const id = await startDirect(s.app, lan, minh);
    await blockUser(s.app, minh, lan);
    const res = await direct(lan, minh.user.id);
    expect(res.status).toBe(200);
    expect((await json<{ conversation: { id: string } }>(res)).conversation.id).toBe(id);
  });
});
