import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, errorCode, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';
import { socialRows } from './test-support';

let s: TestServices;
let lan: Registered;
let minh: Registered;
beforeEach(async () => {
  s = await setupServices();
  [lan, minh] = [await registerUser(s.app, 'lan'), await registerUser(s.app, 'minh')];
});
afterEach(() => s.db.destroy());

const put = (who: Registered, body: unknown, headers?: Record<string, string>) =>
  call(s.app, 'PUT', '/api/users/me/contact', { token: who.accessToken, body, headers });
const get = async (who: Registered) => json(await call(s.app, 'GET', '/api/users/me/contact', { token: who.accessToken }));

describe('/api/users/me/contact', () => {
  it('starts empty; sets, keeps and clears each field independently, in one spelling', async () => {
    expect(await get(lan)).toEqual({ phone: null, email: null });
    const res = await put(lan, { phone: '+84 912-345-678', email: ' Lan@Example.VN ' });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ phone: '+84912345678', email: 'lan@example.vn' });
    expect(await json(await put(lan, { email: 'lan@mekong.vn' }))).toEqual({ phone: '+84912345678', email: 'lan@mekong.vn' });
    expect(await json(await put(lan, { phone: null }))).toEqual({ phone: null, email: 'lan@mekong.vn' });
    expect(await json(await put(lan, {}))).toEqual({ phone: null, email: 'lan@mekong.vn' });
    expect(await get(lan)).toEqual({ phone: null, email: 'lan@mekong.vn' });
    expect(await get(minh)).toEqual({ phone: null, email: null });
    // The profile stays public-only.
    const profile = await json(await call(s.app, 'GET', `/api/users/${lan.user.id}`, { token: minh.accessToken }));
    expect(profile).toEqual(lan.user);
  });

  it("refuses another account's phone or email (409), in any spelling, and keeps yours", async () => {
    await put(lan, { phone: '+84912345678', email: 'lan@example.vn' });
    await put(minh, { phone: '+84900000000' });
    const before = await socialRows(s.db);
    for (const body of [{ phone: '0084 912 345 678' }, { email: 'LAN@example.vn' }, { phone: '+84999999999', email: 'lan@example.vn' }]) {
      const res = await put(minh, body);
      expect([res.status, await errorCode(res)], JSON.stringify(body)).toEqual([409, 'CONFLICT']);
    }
    expect(await socialRows(s.db)).toEqual(before);
    // Setting your own value again is fine; once freed, another account may take it.
    expect((await put(lan, { phone: '+84912345678' })).status).toBe(200);
    await put(lan, { phone: null });
    expect(await json(await put(minh, { phone: '+84912345678' }))).toEqual({ phone: '+84912345678', email: null });
  });

  it('settles two accounts racing for one number: one wins, the other hears 409', async () => {
    const results = await Promise.all([put(lan, { phone: '+84911111111' }), put(minh, { phone: '+84911111111' })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it('rejects what is not a phone number or an email address', async () => {
    const before = await socialRows(s.db);
    for (const body of [{ phone: '0912345678' }, { phone: 84912345678 }, { phone: '+84 abc' }, { email: 'lan' }, { email: 'a@b' }, { email: 7 }, { name: 'x' }]) {
      const res = await put(lan, body);
      expect([res.status, await errorCode(res)], JSON.stringify(body)).toEqual([400, 'BAD_REQUEST']);
    }
    expect(await socialRows(s.db)).toEqual(before);
  });
});
