import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, countRows, errorCode, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';
import { blockUser, friendIds, makeFriends, sendRequest, setDisplayName } from './test-support';

let s: TestServices;
beforeEach(async () => {
  s = await setupServices();
});
afterEach(() => s.db.destroy());

/** Registers each name in order; one Registered per name. */
async function users<const N extends readonly string[]>(...names: N): Promise<{ [K in keyof N]: Registered }> {
  const out: Registered[] = [];
  for (const name of names) out.push(await registerUser(s.app, name));
  return out as { [K in keyof N]: Registered };
}

describe('GET /api/friends/list/:userId', () => {
  it('lists your own friends by display name, with profiles and since, for your id or "me"', async () => {
    const [lan, minh, hoa, anh] = await users('lan', 'minh', 'hoa', 'anh');
    await setDisplayName(s.app, minh, 'Zung');
    await setDisplayName(s.app, hoa, 'Ánh');
    await setDisplayName(s.app, anh, 'Bảo');
    await makeFriends(s.app, lan, minh);
    await makeFriends(s.app, hoa, lan);
    await makeFriends(s.app, lan, anh);
    for (const id of ['me', lan.user.id]) {
      const res = await call(s.app, 'GET', `/api/friends/list/${id}`, { token: lan.accessToken });
      expect(res.status).toBe(200);
      const body = await json<{ friends: { user: { id: string; displayName: string }; since: number }[] }>(res);
      // "Ánh" sorts beside "A", not after "Z".
      expect(body.friends.map((f) => f.user.displayName)).toEqual(['Ánh', 'Bảo', 'Zung']);
      expect(body.friends[0]).toEqual({ user: { ...hoa.user, displayName: 'Ánh' }, since: expect.any(Number) });
    }
    expect(await friendIds(s.app, minh)).toEqual([lan.user.id]);
  });

  it("refuses anyone else's list with 403, existing user or not", async () => {
    const [lan, minh] = await users('lan', 'minh');
    await makeFriends(s.app, lan, minh);
    for (const id of [minh.user.id, 'AAAAAAAAAAAAAAAAAAAAAA']) {
      const res = await call(s.app, 'GET', `/api/friends/list/${id}`, { token: lan.accessToken });
      expect([res.status, await errorCode(res)]).toEqual([403, 'FORBIDDEN']);
    }
  });
});

describe('DELETE /api/friends/:friendId', () => {
  it('ends the friendship for both; a second time is 404', async () => {
    const [lan, minh, hoa] = await users('lan', 'minh', 'hoa');
    await makeFriends(s.app, lan, minh);
    await makeFriends(s.app, lan, hoa);
    const res = await call(s.app, 'DELETE', `/api/friends/${minh.user.id}`, { token: lan.accessToken });
    expect(res.status).toBe(204);
    expect(await friendIds(s.app, lan)).toEqual([hoa.user.id]);
    expect(await friendIds(s.app, minh)).toEqual([]);
    const again = await call(s.app, 'DELETE', `/api/friends/${lan.user.id}`, { token: minh.accessToken });
    expect([again.status, await errorCode(again)]).toEqual([404, 'NOT_FOUND']);
    const self = await call(s.app, 'DELETE', `/api/friends/${lan.user.id}`, { token: lan.accessToken });
    expect(self.status).toBe(400);
    // Friends again only through a new request.
    await makeFriends(s.app, minh, lan);
    expect(await friendIds(s.app, lan)).toEqual([hoa.user.id, minh.user.id].sort());
  });
});

describe('GET /api/friends/suggestions/:userId', () => {
  type Suggestions = { suggestions: { user: { id: string; username: string }; mutualFriends: number }[] };
  const suggestions = async (who: Registered) => {
    const res = await call(s.app, 'GET', '/api/friends/suggestions/me', { token: who.accessToken });
    expect(res.status).toBe(200);
    return (await json<Suggestions>(res)).suggestions.map((x) => [x.user.username, x.mutualFriends]);
  };

  it('ranks friends of friends by mutual friends and leaves out friends, yourself and strangers', async () => {
    const [me, f1, f2, f3, a, b, c, stranger] = await users('me_', 'f1_', 'f2_', 'f3_', 'aaa', 'bbb', 'ccc', 'xxx');
    for (const f of [f1, f2, f3]) await makeFriends(s.app, me, f);
    // a knows three of my friends, b two, c one; f1 and f2 are friends with each other.
    for (const f of [f1, f2, f3]) await makeFriends(s.app, a, f);
    for (const f of [f2, f3]) await makeFriends(s.app, f, b);
    await makeFriends(s.app, c, f1);
    await makeFriends(s.app, f1, f2);
    await makeFriends(s.app, stranger, c);
    expect(await suggestions(me)).toEqual([
      ['aaa', 3],
      ['bbb', 2],
      ['ccc', 1],
    ]);
    const full = await json<Suggestions>(await call(s.app, 'GET', `/api/friends/suggestions/${me.user.id}`, { token: me.accessToken }));
    expect(full.suggestions[0]).toEqual({ user: a.user, mutualFriends: 3 });
  });

  it('leaves out users blocked either way and pending requests either way', async () => {
    const [me, f, a, b, c, d, e] = await users('me_', 'fff', 'aaa', 'bbb', 'ccc', 'ddd', 'eee');
    await makeFriends(s.app, me, f);
    for (const x of [a, b, c, d, e]) await makeFriends(s.app, f, x);
    await blockUser(s.app, me, a);
    await blockUser(s.app, b, me);
    await sendRequest(s.app, me, c);
    await sendRequest(s.app, d, me);
    expect(await suggestions(me)).toEqual([['eee', 1]]);
    // b blocked me: I am not suggested to b either, though we share f.
    expect(await suggestions(b)).toEqual([
      ['aaa', 1],
      ['ccc', 1],
      ['ddd', 1],
      ['eee', 1],
    ]);
  });

  it('returns at most 20, the best ranked', async () => {
    const [me, f1, f2] = await users('me_', 'f1_', 'f2_');
    await makeFriends(s.app, me, f1);
    await makeFriends(s.app, me, f2);
    const many: Registered[] = await users(...Array.from({ length: 22 }, (_, i) => `cand${String(i).padStart(2, '0')}`));
    for (const x of many) await makeFriends(s.app, f1, x);
    await makeFriends(s.app, f2, many[21] as Registered);
    const list = await suggestions(me);
    expect(list).toHaveLength(20);
    expect(list[0]).toEqual(['cand21', 2]);
    expect(list.slice(1).every(([, n]) => n === 1)).toBe(true);
    expect(await countRows(s.db, 'friendships')).toBe(2 * (2 + 22 + 1));
  });

  it("refuses anyone else's suggestions with 403", async () => {
    const [lan, minh] = await users('lan', 'minh');
    const res = await call(s.app, 'GET', `/api/friends/suggestions/${minh.user.id}`, { token: lan.accessToken });
    expect([res.status, await errorCode(res)]).toEqual([403, 'FORBIDDEN']);
  });
});
