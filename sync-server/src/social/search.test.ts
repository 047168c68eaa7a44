import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, errorCode, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';
import { indexUser, refreshSearchIndex } from './index';
import { blockUser, makeFriends, sendRequest, setDisplayName } from './test-support';

let s: TestServices;
let me: Registered;
beforeEach(async () => {
  s = await setupServices();
  me = await registerUser(s.app, 'searcher');
});
afterEach(() => s.db.destroy());

interface Hit {
  user: { id: string; username: string; displayName: string };
  relation: string;
  exact: boolean;
}
const search = async (q: string, who: Registered = me) => {
  const res = await call(s.app, 'GET', `/api/search/users?q=${encodeURIComponent(q)}`, { token: who.accessToken });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await json<{ users: Hit[] }>(res)).users;
};
const names = async (q: string, who?: Registered) => (await search(q, who)).map((h) => h.user.displayName);

async function person(username: string, displayName: string): Promise<Registered> {
  const r = await registerUser(s.app, username);
  await setDisplayName(s.app, r, displayName);
  return { ...r, user: { ...r.user, displayName } };
}

describe('display-name search', () => {
  beforeEach(async () => {
    await person('nva', 'Nguyễn Văn A');
    await person('tvb', 'Trần Văn Bình');
    await person('dth', 'Đặng Thị Hoa');
    await person('vanh', 'Vân Anh');
    await person('lng', 'Lê Nguyên');
    await person('ivan', 'Ivanov Petrov');
  });

  it('folds diacritics and case: "nguyen" finds Nguyễn and Nguyên', async () => {
    expect(await names('nguyen')).toEqual(['Nguyễn Văn A', 'Lê Nguyên']);
    expect(await names('NGUYỄN')).toEqual(['Nguyễn Văn A', 'Lê Nguyên']);
    expect(await names('Nguyên')).toEqual(['Nguyễn Văn A', 'Lê Nguyên']);
  });

  it('matches the start of any word, never the middle of one', async () => {
    // Names starting with the word come first, then the rest by folded name.
    expect(await names('van')).toEqual(['Vân Anh', 'Nguyễn Văn A', 'Trần Văn Bình']);
    expect(await names('va')).toEqual(['Vân Anh', 'Nguyễn Văn A', 'Trần Văn Bình']);
    expect(await names('anov')).toEqual([]);
    expect(await names('ivan')).toEqual(['Ivanov Petrov']);
  });

  it('reads đ as d, both ways', async () => {
    expect(await names('đ')).toEqual(['Đặng Thị Hoa']);
    expect(await names('dang')).toEqual(['Đặng Thị Hoa']);
    expect(await names('Đặng thị h')).toEqual(['Đặng Thị Hoa']);
  });

  it('matches several words in order, with spaces collapsed', async () => {
    expect(await names('nguyen   van')).toEqual(['Nguyễn Văn A']);
    expect(await names('van binh')).toEqual(['Trần Văn Bình']);
    expect(await names('binh van')).toEqual([]);
  });

  it('treats LIKE wildcards as plain characters', async () => {
    expect(await names('%')).toEqual([]);
    expect(await names('_')).toEqual([]);
    expect(await names('v%n')).toEqual([]);
    await person('pct', '100% Lan');
    expect(await names('100%')).toEqual(['100% Lan']);
  });

  it('finds a renamed user under the new name only, at the very next search', async () => {
    const hung = await person('renamed', 'Hùng');
    expect(await names('hung')).toEqual(['Hùng']);
    await setDisplayName(s.app, hung, 'Phước');
    expect(await names('hung')).toEqual([]);
    expect(await names('phuoc')).toEqual(['Phước']);
    expect(await refreshSearchIndex(s.db)).toBe(0);
    await setDisplayName(s.app, hung, 'Hưng');
    expect(await refreshSearchIndex(s.db)).toBe(1);
    expect(await names('hung')).toEqual(['Hưng']);
  });

  it('indexes a renamed user at once through indexUser, leaving nothing stale', async () => {
    const hung = await person('renamed', 'Hùng');
    await search('x');
    await s.db.updateTable('users').set({ display_name: 'Phước' }).where('id', '=', hung.user.id).execute();
    await indexUser(s.db, hung.user.id);
    expect(await refreshSearchIndex(s.db)).toBe(0);
    expect(await names('phuoc')).toEqual(['Phước']);
  });

  it('indexes more users than one page of stale rows, in one refresh', async () => {
    const rows = Array.from({ length: 5300 }, (_, i) => ({
      id: `bulk${String(i).padStart(5, '0')}`,
      username: `bulk${i}`,
      display_name: i === 5299 ? 'Người Cuối' : `Khách ${i}`,
      identity_key: me.user.identityKey,
      password_hash: 'h',
      created_at: 1,
    }));
    for (let i = 0; i < rows.length; i += 500) await s.db.insertInto('users').values(rows.slice(i, i + 500)).execute();
    // Plus the searcher and the six people of this block: nobody has searched yet.
    expect(await refreshSearchIndex(s.db)).toBe(5300 + 7);
    expect(await refreshSearchIndex(s.db)).toBe(0);
    expect(await names('nguoi cuoi')).toEqual(['Người Cuối']);
  });

  it('returns at most 20', async () => {
    for (let i = 0; i < 25; i++) await person(`many${i}`, `Mai ${i}`);
    expect(await search('mai')).toHaveLength(20);
  });
});

describe('exact search and ranking', () => {
  it('finds a username exactly, in any case, ahead of display-name matches', async () => {
    const hoa = await person('hoa', 'Zed');
    await person('hoa2', 'Hoa Lê');
    const hits = await search('HOA');
    expect(hits.map((h) => [h.user.username, h.exact])).toEqual([
      ['hoa', true],
      ['hoa2', false],
    ]);
    expect(hits[0]?.user).toEqual(hoa.user);
  });

  it('finds a phone number or email only when it matches exactly, and never shows them', async () => {
    const lan = await person('lan', 'Lan');
    const set = await call(s.app, 'PUT', '/api/users/me/contact', { token: lan.accessToken, body: { phone: '+84 912 345 678', email: 'Lan@Example.vn' } });
    expect(set.status).toBe(200);
    for (const q of ['+84912345678', '+84 912-345-678', '0084912345678', 'lan@example.vn', 'LAN@EXAMPLE.VN']) {
      const hits = await search(q);
      expect(hits, q).toEqual([{ user: lan.user, relation: 'none', exact: true }]);
      expect(JSON.stringify(hits)).not.toMatch(/912345678|example/);
    }
    for (const q of ['+8491234567', '912345678', 'lan@example', 'example.vn']) expect(await search(q), q).toEqual([]);
  });

  it('ranks exact matches first, then friends, then others', async () => {
    await person('vanh', 'Zed');
    await person('aaa', 'Vành Khác');
    const friend = await person('zzz', 'Vanh Bạn');
    await makeFriends(s.app, me, friend);
    expect((await search('vanh')).map((h) => [h.user.username, h.relation, h.exact])).toEqual([
      ['vanh', 'none', true],
      ['zzz', 'friend', false],
      ['aaa', 'none', false],
    ]);
  });

  it('tells how the searcher stands with each user found', async () => {
    const friend = await person('ban', 'Văn Bạn');
    await person('khac', 'Văn Khác');
    const asked = await person('hoi', 'Vân Hỏi');
    const asking = await person('moi', 'Văn Mời');
    const blocked = await person('chan', 'Văn Chặn');
    await makeFriends(s.app, me, friend);
    await sendRequest(s.app, me, asked);
    await sendRequest(s.app, asking, me);
    await blockUser(s.app, me, blocked);
    const all = await search('van');
    expect(all[0]?.user.username).toBe('ban');
    expect(Object.fromEntries(all.map((h) => [h.user.username, h.relation]))).toEqual({
      ban: 'friend',
      khac: 'none',
      hoi: 'outgoing',
      moi: 'incoming',
      chan: 'blocked',
    });
    expect(all.every((h) => !h.exact)).toBe(true);
  });

  it('never finds the searcher, nor anyone who blocked the searcher', async () => {
    await setDisplayName(s.app, me, 'Văn Tôi');
    const hater = await person('hater', 'Văn Ghét');
    await person('fine', 'Văn Ổn');
    await blockUser(s.app, hater, me);
    expect(await names('van')).toEqual(['Văn Ổn']);
    expect(await search('hater')).toEqual([]);
    expect(await search('searcher')).toEqual([]);
    // The blocker still finds the blocked user (to unblock them from the result, say).
    expect((await search('searcher', hater)).map((h) => h.relation)).toEqual(['blocked']);
  });
});

describe('query checks', () => {
  it('answers 400 for an empty, blank, oversized, repeated or missing q', async () => {
    for (const qs of ['q=', 'q=%20%20', `q=${'a'.repeat(65)}`, 'q=a&q=b', '', 'query=a', 'q=a&limit=5', 'q=a%00b']) {
      const res = await call(s.app, 'GET', `/api/search/users?${qs}`, { token: me.accessToken });
      expect([res.status, await errorCode(res)], qs).toEqual([400, 'BAD_REQUEST']);
    }
    expect((await call(s.app, 'GET', `/api/search/users?q=${'ễ'.repeat(64)}`, { token: me.accessToken })).status).toBe(200);
  });

  it('requires a session', async () => {
    expect((await call(s.app, 'GET', '/api/search/users?q=lan')).status).toBe(401);
  });

  it('limits each user to 60 searches a minute (429 with Retry-After), not their neighbours', async () => {
    const other = await registerUser(s.app, 'other');
    for (let i = 0; i < 60; i++) expect((await call(s.app, 'GET', '/api/search/users?q=x', { token: me.accessToken })).status).toBe(200);
    const limited = await call(s.app, 'GET', '/api/search/users?q=x', { token: me.accessToken });
    expect([limited.status, await errorCode(limited)]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(s.app, 'GET', '/api/search/users?q=x', { token: other.accessToken })).status).toBe(200);
  });
});
