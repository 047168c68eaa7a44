import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, countRows, errorCode, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';
import { blockUser, friendIds, makeFriends, sendRequest, socialRows } from './test-support';

let s: TestServices;
let lan: Registered;
let minh: Registered;
let hoa: Registered;
beforeEach(async () => {
  // Every reading of the clock is 1 ms later, so "newest first" has a strict order to check.
  let t = Date.now();
  s = await setupServices({ now: () => ++t });
  [lan, minh, hoa] = [await registerUser(s.app, 'lan'), await registerUser(s.app, 'minh'), await registerUser(s.app, 'hoa')];
});
afterEach(() => s.db.destroy());

const request = (from: Registered, userId: unknown) => call(s.app, 'POST', '/api/friends/request', { token: from.accessToken, body: { userId } });
const requests = async (who: Registered) =>
  json<{ incoming: { id: string; user: { id: string }; createdAt: number }[]; outgoing: { id: string; user: { id: string } }[] }>(
    await call(s.app, 'GET', '/api/friends/requests', { token: who.accessToken }),
  );

describe('POST /api/friends/request', () => {
  it('creates a pending request (201) that both sides see with the other one\'s profile', async () => {
    const res = await request(lan, minh.user.id);
    expect(res.status).toBe(201);
    const body = await json<{ status: string; request: { id: string; user: unknown; createdAt: number } }>(res);
    expect(body).toEqual({ status: 'pending', request: { id: expect.any(String), user: minh.user, createdAt: expect.any(Number) } });

    expect(await requests(lan)).toEqual({ incoming: [], outgoing: [{ id: body.request.id, user: minh.user, createdAt: body.request.createdAt }] });
    expect(await requests(minh)).toEqual({ incoming: [{ id: body.request.id, user: lan.user, createdAt: body.request.createdAt }], outgoing: [] });
    expect(await requests(hoa)).toEqual({ incoming: [], outgoing: [] });
    expect(await friendIds(s.app, lan)).toEqual([]);
  });

  it('answers the same pending request (200) when it is sent again', async () => {
    const id = await sendRequest(s.app, lan, minh);
    const again = await request(lan, minh.user.id);
    expect(again.status).toBe(200);
    expect((await json<{ request: { id: string } }>(again)).request.id).toBe(id);
    expect(await countRows(s.db, 'friend_requests')).toBe(1);
  });

  it('accepts the reverse request instead of creating a second one: they are friends', async () => {
    await sendRequest(s.app, lan, minh);
    const res = await request(minh, lan.user.id);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: 'friends', friend: { user: lan.user, since: expect.any(Number) } });
    expect(await friendIds(s.app, lan)).toEqual([minh.user.id]);
    expect(await friendIds(s.app, minh)).toEqual([lan.user.id]);
    expect(await countRows(s.db, 'friend_requests')).toBe(0);
  });

  it('refuses yourself (400), an unknown user (404) and a friend (409), changing nothing', async () => {
    await makeFriends(s.app, lan, minh);
    const before = await socialRows(s.db);
    const self = await request(lan, lan.user.id);
    expect([self.status, await errorCode(self)]).toEqual([400, 'BAD_REQUEST']);
    const unknown = await request(lan, 'AAAAAAAAAAAAAAAAAAAAAA');
    expect([unknown.status, await errorCode(unknown)]).toEqual([404, 'NOT_FOUND']);
    const friend = await request(lan, minh.user.id);
    expect([friend.status, await errorCode(friend)]).toEqual([409, 'CONFLICT']);
    const reverse = await request(minh, lan.user.id);
    expect(reverse.status).toBe(409);
    expect(await socialRows(s.db)).toEqual(before);
  });

  it('to someone who blocked you answers exactly what an unknown user gets', async () => {
    await blockUser(s.app, minh, lan);
    const blocked = await request(lan, minh.user.id);
    const unknown = await request(lan, 'AAAAAAAAAAAAAAAAAAAAAA');
    expect(blocked.status).toBe(404);
    expect(await blocked.text()).toBe(await unknown.text());
    expect(await countRows(s.db, 'friend_requests')).toBe(0);
  });

  it('to someone you blocked is 409, telling you to unblock first', async () => {
    await blockUser(s.app, lan, minh);
    const res = await request(lan, minh.user.id);
    expect([res.status, await errorCode(res)]).toEqual([409, 'CONFLICT']);
    expect(await countRows(s.db, 'friend_requests')).toBe(0);
  });

  it('settles simultaneous requests from both sides as one friendship', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? request(lan, minh.user.id) : request(minh, lan.user.id))));
    for (const r of results) expect([200, 201, 409]).toContain(r.status);
    expect(await friendIds(s.app, lan)).toEqual([minh.user.id]);
    expect(await friendIds(s.app, minh)).toEqual([lan.user.id]);
    expect(await countRows(s.db, 'friend_requests')).toBe(0);
    expect(await countRows(s.db, 'friendships')).toBe(2);
  });
});

describe('accept, reject, cancel', () => {
  let id: string;
  beforeEach(async () => {
    id = await sendRequest(s.app, lan, minh);
  });
  const act = (who: Registered, method: string, path: string) => call(s.app, method, path, { token: who.accessToken });

  it('the recipient accepts: friends on both sides, the request gone', async () => {
    const res = await act(minh, 'PUT', `/api/friends/request/${id}/accept`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ friend: { user: lan.user, since: expect.any(Number) } });
    expect(await friendIds(s.app, lan)).toEqual([minh.user.id]);
    expect(await requests(minh)).toEqual({ incoming: [], outgoing: [] });
    const twice = await act(minh, 'PUT', `/api/friends/request/${id}/accept`);
    expect(twice.status).toBe(404);
  });

  it('the recipient rejects: no friendship, the request gone for both, and it can be sent again', async () => {
    expect((await act(minh, 'PUT', `/api/friends/request/${id}/reject`)).status).toBe(204);
    expect(await requests(lan)).toEqual({ incoming: [], outgoing: [] });
    expect(await friendIds(s.app, minh)).toEqual([]);
    expect((await request(lan, minh.user.id)).status).toBe(201);
  });

  it('the sender cancels: the request is gone for both', async () => {
    expect((await act(lan, 'DELETE', `/api/friends/request/${id}`)).status).toBe(204);
    expect(await requests(minh)).toEqual({ incoming: [], outgoing: [] });
    expect((await act(lan, 'DELETE', `/api/friends/request/${id}`)).status).toBe(404);
  });

  it('the wrong party is refused (403), a stranger hears 404, and the request stays', async () => {
    const cases: [Registered, string, string, number][] = [
      [lan, 'PUT', `/api/friends/request/${id}/accept`, 403],
      [lan, 'PUT', `/api/friends/request/${id}/reject`, 403],
      [minh, 'DELETE', `/api/friends/request/${id}`, 403],
      [hoa, 'PUT', `/api/friends/request/${id}/accept`, 404],
      [hoa, 'PUT', `/api/friends/request/${id}/reject`, 404],
      [hoa, 'DELETE', `/api/friends/request/${id}`, 404],
      [minh, 'PUT', '/api/friends/request/AAAAAAAAAAAAAAAAAAAAAA/accept', 404],
    ];
    const before = await socialRows(s.db);
    for (const [who, method, path, status] of cases) {
      const res = await act(who, method, path);
      expect(res.status, `${who.user.username} ${method} ${path}`).toBe(status);
    }
    expect(await socialRows(s.db)).toEqual(before);
    // A stranger's 404 reads like any unknown request.
    const stranger = await act(hoa, 'PUT', `/api/friends/request/${id}/accept`);
    const none = await act(hoa, 'PUT', '/api/friends/request/AAAAAAAAAAAAAAAAAAAAAA/accept');
    expect(await stranger.text()).toBe(await none.text());
  });

  it('settles an accept racing a cancel: either friends or nothing, never both', async () => {
    const [accepted, cancelled] = await Promise.all([act(minh, 'PUT', `/api/friends/request/${id}/accept`), act(lan, 'DELETE', `/api/friends/request/${id}`)]);
    expect([accepted.status, cancelled.status].sort()).toEqual(accepted.status === 200 ? [200, 404] : [204, 404]);
    expect(await countRows(s.db, 'friend_requests')).toBe(0);
    expect(await countRows(s.db, 'friendships')).toBe(accepted.status === 200 ? 2 : 0);
  });

  it('lists incoming and outgoing requests newest first', async () => {
    const other = await sendRequest(s.app, hoa, minh);
    expect((await requests(minh)).incoming.map((r) => [r.id, r.user.id])).toEqual([
      [other, hoa.user.id],
      [id, lan.user.id],
    ]);
    const tuan = await registerUser(s.app, 'tuan');
    const toTuan = await sendRequest(s.app, minh, tuan);
    expect((await requests(minh)).outgoing.map((r) => r.id)).toEqual([toTuan]);
    expect((await requests(tuan)).incoming.map((r) => r.user.id)).toEqual([minh.user.id]);
  });
});
