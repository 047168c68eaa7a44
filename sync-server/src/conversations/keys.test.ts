import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, countRows, errorCode, json, newDevice, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';

let s: TestServices;
let lan: Registered;
let minh: Registered;
let hoa: Registered;
let convId: string;
beforeEach(async () => {
  s = await setupServices();
  [lan, minh, hoa] = [await registerUser(s.app, 'lan'), await registerUser(s.app, 'minh'), await registerUser(s.app, 'hoa')];
  const res = await call(s.app, 'POST', '/api/conversations/direct', { token: lan.accessToken, body: { peerUserId: minh.user.id } });
  convId = (await json<{ conversation: { id: string } }>(res)).conversation.id;
});
afterEach(() => s.db.destroy());

const sealed = () => randomBytes(80).toString('base64url');
const postKeys = (who: Registered | string, conv: string, envelopes: unknown) =>
  call(s.app, 'POST', `/api/conversations/${conv}/keys`, { token: typeof who === 'string' ? who : who.accessToken, body: { envelopes } });
const getKeys = (who: Registered, conv: string) => call(s.app, 'GET', `/api/conversations/${conv}/keys`, { token: who.accessToken });

describe('POST /api/conversations/:id/keys', () => {
  it('stores envelopes for member devices; each device reads its own, sender set by the server', async () => {
    const toMinh = sealed();
    const toLan = sealed();
    const res = await postKeys(lan, convId, [
      { epoch: 0, recipientDevice: minh.deviceId, data: toMinh },
      { epoch: 0, recipientDevice: lan.deviceId, data: toLan },
    ]);
    expect(res.status).toBe(204);
    expect(await json(await getKeys(minh, convId))).toEqual({ envelopes: [{ epoch: 0, senderDevice: lan.deviceId, data: toMinh }] });
    expect(await json(await getKeys(lan, convId))).toEqual({ envelopes: [{ epoch: 0, senderDevice: lan.deviceId, data: toLan }] });
  });

  it('keeps the first envelope of a slot: retries and late duplicates change nothing', async () => {
    const first = sealed();
    expect((await postKeys(lan, convId, [{ epoch: 1, recipientDevice: minh.deviceId, data: first }])).status).toBe(204);
    expect((await postKeys(lan, convId, [{ epoch: 1, recipientDevice: minh.deviceId, data: first }])).status).toBe(204);
    expect((await postKeys(minh, convId, [{ epoch: 1, recipientDevice: minh.deviceId, data: sealed() }, { epoch: 2, recipientDevice: minh.deviceId, data: 'AAAA' }])).status).toBe(204);
    expect(await json(await getKeys(minh, convId))).toEqual({
      envelopes: [
        { epoch: 1, senderDevice: lan.deviceId, data: first },
        { epoch: 2, senderDevice: minh.deviceId, data: 'AAAA' },
      ],
    });
  });

  it('refuses a non-member sender with NOT_MEMBER and stores nothing', async () => {
    const res = await postKeys(hoa, convId, [{ epoch: 0, recipientDevice: minh.deviceId, data: sealed() }]);
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('NOT_MEMBER');
    expect((await getKeys(hoa, convId)).status).toBe(403);
    expect(await countRows(s.db, 'key_envelopes')).toBe(0);
  });

  it('refuses the whole batch when one recipient is not a member device (403 FORBIDDEN)', async () => {
    const res = await postKeys(lan, convId, [
      { epoch: 0, recipientDevice: minh.deviceId, data: sealed() },
      { epoch: 0, recipientDevice: hoa.deviceId, data: sealed() },
    ]);
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('FORBIDDEN');
    expect((await postKeys(lan, convId, [{ epoch: 0, recipientDevice: 'AAAAAAAAAAAAAAAAAAAAAA', data: sealed() }])).status).toBe(403);
    expect(await countRows(s.db, 'key_envelopes')).toBe(0);
  });

  it('refuses a revoked device of a member as recipient', async () => {
    await s.db.updateTable('devices').set({ revoked_at: Date.now() }).where('id', '=', minh.deviceId).execute();
    expect((await postKeys(lan, convId, [{ epoch: 0, recipientDevice: minh.deviceId, data: sealed() }])).status).toBe(403);
  });

  it('requires a device-bound session to send or read envelopes', async () => {
    const session = await json<{ accessToken: string }>(
      await call(s.app, 'POST', '/api/users/login', { body: { username: 'lan', loginSecret: lan.loginSecret } }),
    );
    const res = await postKeys(session.accessToken, convId, [{ epoch: 0, recipientDevice: minh.deviceId, data: sealed() }]);
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('FORBIDDEN');
    expect((await call(s.app, 'GET', '/api/keys', { token: session.accessToken })).status).toBe(403);
    expect((await call(s.app, 'GET', `/api/conversations/${convId}/keys`)).status).toBe(401);
  });

  it('answers 404 for an unknown conversation', async () => {
    const res = await postKeys(lan, 'AAAAAAAAAAAAAAAAAAAAAA', [{ epoch: 0, recipientDevice: minh.deviceId, data: sealed() }]);
    expect(res.status).toBe(404);
  });

  it('validates the batch: 1 to 2,000 well-formed envelopes', async () => {
    const ok = { epoch: 0, recipientDevice: minh.deviceId, data: 'AAAA' };
    for (const envelopes of [
      [],
      Array.from({ length: 2001 }, (_, i) => ({ ...ok, epoch: i })),
      [{ ...ok, epoch: -1 }],
      [{ ...ok, epoch: 0.5 }],
      [{ ...ok, epoch: 2 ** 31 }],
      [{ ...ok, data: 'A'.repeat(1025) }],
      [{ ...ok, data: 'not base64!' }],
      [{ ...ok, senderDevice: hoa.deviceId }],
      [{ epoch: 0, data: 'AAAA' }],
      'nope',
    ]) {
      const res = await postKeys(lan, convId, envelopes);
      expect(res.status).toBe(400);
    }
    expect(await countRows(s.db, 'key_envelopes')).toBe(0);
  });

  it('accepts a full batch of 2,000 envelopes', async () => {
    const envelopes = Array.from({ length: 2000 }, (_, i) => ({ epoch: i, recipientDevice: i % 2 ? minh.deviceId : lan.deviceId, data: sealed() }));
    expect((await postKeys(lan, convId, envelopes)).status).toBe(204);
    expect(await countRows(s.db, 'key_envelopes')).toBe(2000);
  });
});

describe('GET /api/keys', () => {
  it("returns the device's envelopes across conversations, in pages, only while a member", async () => {
    const res = await call(s.app, 'POST', '/api/conversations/direct', { token: minh.accessToken, body: { peerUserId: hoa.user.id } });
    const conv2 = (await json<{ conversation: { id: string } }>(res)).conversation.id;
    // A second device of minh, registered on a new browser.
    const session = await json<{ accessToken: string }>(
      await call(s.app, 'POST', '/api/users/login', { body: { username: 'minh', loginSecret: minh.loginSecret } }),
    );
    const phone = await json<{ deviceId: string; accessToken: string }>(
      await call(s.app, 'POST', '/api/users/me/devices', { token: session.accessToken, body: newDevice('phone') }),
    );
    for (let epoch = 0; epoch < 3; epoch++) {
      expect((await postKeys(lan, convId, [{ epoch, recipientDevice: phone.deviceId, data: sealed() }])).status).toBe(204);
      expect((await postKeys(hoa, conv2, [{ epoch, recipientDevice: phone.deviceId, data: sealed() }, { epoch, recipientDevice: minh.deviceId, data: sealed() }])).status).toBe(204);
    }

    type Page = { envelopes: { conversationId: string; epoch: number; senderDevice: string; data: string }[]; nextCursor: string | null };
    const all = await json<Page>(await call(s.app, 'GET', '/api/keys', { token: phone.accessToken }));
    expect(all.envelopes).toHaveLength(6);
    expect(all.nextCursor).toBeNull();
    expect(new Set(all.envelopes.map((e) => e.conversationId))).toEqual(new Set([convId, conv2]));
    expect(all.envelopes.find((e) => e.conversationId === convId)?.senderDevice).toBe(lan.deviceId);

    const pages: Page['envelopes'] = [];
    let cursor: string | null = null;
    let requests = 0;
    do {
      const q: string = cursor ? `?limit=4&after=${cursor}` : '?limit=4';
      const page: Page = await json<Page>(await call(s.app, 'GET', `/api/keys${q}`, { token: phone.accessToken }));
      pages.push(...page.envelopes);
      cursor = page.nextCursor;
      requests++;
    } while (cursor);
    expect(requests).toBe(2);
    expect(pages).toEqual(all.envelopes);

    // The laptop device only sees its own envelopes.
    const laptop = await json<Page>(await call(s.app, 'GET', '/api/keys', { token: minh.accessToken }));
    expect(laptop.envelopes.map((e) => e.conversationId)).toEqual([conv2, conv2, conv2]);
  });

  it('rejects a bad cursor or limit with 400', async () => {
    for (const q of ['?limit=0', '?limit=1001', '?limit=abc', '?after=!!', `?after=${Buffer.from('["x",-1]').toString('base64url')}`, '?other=1']) {
      const res = await call(s.app, 'GET', `/api/keys${q}`, { token: lan.accessToken });
      expect(res.status, q).toBe(400);
      expect(await errorCode(res)).toBe('BAD_REQUEST');
    }
  });
});
