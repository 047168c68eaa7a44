import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDirectory } from '../directory';
import { call, countRows, errorCode, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';
import { getOrCreateDirect } from './repo';

let s: TestServices;
let lan: Registered;
let minh: Registered;
let hoa: Registered;
beforeEach(async () => {
  s = await setupServices();
  [lan, minh, hoa] = [await registerUser(s.app, 'lan'), await registerUser(s.app, 'minh'), await registerUser(s.app, 'hoa')];
});
afterEach(() => s.db.destroy());

interface ConvBody {
  conversation: { id: string; kind: string; members: { userId: string; role: string }[]; createdAt: number };
}
const direct = (who: Registered, peerUserId: unknown) => call(s.app, 'POST', '/api/conversations/direct', { token: who.accessToken, body: { peerUserId } });

describe('POST /api/conversations/direct', () => {
  it('creates one conversation per pair: 201 first, 200 with the same one after, from either side', async () => {
    const first = await direct(lan, minh.user.id);
    expect(first.status).toBe(201);
    const created = await json<ConvBody>(first);
    expect(created.conversation).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      kind: 'direct',
      members: expect.arrayContaining([
        { userId: lan.user.id, role: 'member' },
        { userId: minh.user.id, role: 'member' },
      ]),
      createdAt: expect.any(Number),
      logLength: 0,
    });
    expect(created.conversation.members).toHaveLength(2);

    const again = await direct(lan, minh.user.id);
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual(created);
    const reverse = await direct(minh, lan.user.id);
    expect(reverse.status).toBe(200);
    expect((await json<ConvBody>(reverse)).conversation.id).toBe(created.conversation.id);

    const other = await json<ConvBody>(await direct(lan, hoa.user.id));
    expect(other.conversation.id).not.toBe(created.conversation.id);
  });

  it('settles concurrent creations from both sides on a single conversation', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? direct(lan, minh.user.id) : direct(minh, lan.user.id))));
    const ids = new Set<string>();
    for (const r of results) ids.add((await json<ConvBody>(r)).conversation.id);
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(19);
    expect(await countRows(s.db, 'conversations')).toBe(1);
    expect(await countRows(s.db, 'conversation_members')).toBe(2);
  });

  it('returns the existing conversation when the insert loses the race on the pair key', async () => {
    const calls = await Promise.all([
      getOrCreateDirect(s.db, lan.user.id, minh.user.id, 1),
      getOrCreateDirect(s.db, minh.user.id, lan.user.id, 2),
    ]);
    expect(calls.map((c) => c.created).sort()).toEqual([false, true]);
    expect(calls[0].conversation).toEqual(calls[1].conversation);
  });

  it('refuses an unknown peer (404), oneself (400), bad input (400) and device-less sessions (403)', async () => {
    const unknown = await direct(lan, 'AAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
    expect(await errorCode(unknown)).toBe('NOT_FOUND');
    expect((await direct(lan, lan.user.id)).status).toBe(400);
    for (const peer of [undefined, 12, '', 'has space', 'x'.repeat(200)]) expect((await direct(lan, peer)).status).toBe(400);

    const session = await json<{ accessToken: string }>(
      await call(s.app, 'POST', '/api/users/login', { body: { username: 'lan', loginSecret: lan.loginSecret } }),
    );
    const noDevice = await call(s.app, 'POST', '/api/conversations/direct', { token: session.accessToken, body: { peerUserId: minh.user.id } });
    expect(noDevice.status).toBe(403);
    expect(await errorCode(noDevice)).toBe('FORBIDDEN');
    expect((await call(s.app, 'POST', '/api/conversations/direct', { body: { peerUserId: minh.user.id } })).status).toBe(401);
    expect(await countRows(s.db, 'conversations')).toBe(0);
  });
});

describe('GET /api/conversations and /:id', () => {
  it("lists the caller's conversations only", async () => {
    const a = (await json<ConvBody>(await direct(lan, minh.user.id))).conversation;
    const b = (await json<ConvBody>(await direct(hoa, lan.user.id))).conversation;
    await direct(minh, hoa.user.id);
    const list = await json<{ conversations: ConvBody['conversation'][] }>(await call(s.app, 'GET', '/api/conversations', { token: lan.accessToken }));
    expect(list.conversations.map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
    for (const c of list.conversations) expect(c.members.map((m) => m.userId)).toContain(lan.user.id);
    expect((await call(s.app, 'GET', '/api/conversations')).status).toBe(401);
  });

  it('shows a conversation to members; NOT_MEMBER (403) to others; 404 when it does not exist', async () => {
    const conv = (await json<ConvBody>(await direct(lan, minh.user.id))).conversation;
    expect(await json(await call(s.app, 'GET', `/api/conversations/${conv.id}`, { token: minh.accessToken }))).toEqual({ conversation: conv });
    const outsider = await call(s.app, 'GET', `/api/conversations/${conv.id}`, { token: hoa.accessToken });
    expect(outsider.status).toBe(403);
    expect(await errorCode(outsider)).toBe('NOT_MEMBER');
    const missing = await call(s.app, 'GET', '/api/conversations/AAAAAAAAAAAAAAAAAAAAAA', { token: hoa.accessToken });
    expect(missing.status).toBe(404);
    expect(await errorCode(missing)).toBe('NOT_FOUND');
  });
});

describe('directory', () => {
  it('answers membership the way the relay asks for it', async () => {
    const conv = (await json<ConvBody>(await direct(lan, minh.user.id))).conversation;
    const dir = createDirectory(s.db);
    expect(await dir.isMember(conv.id, lan.user.id)).toBe(true);
    expect(await dir.isMember(conv.id, hoa.user.id)).toBe(false);
    expect(await dir.isMember('nope', lan.user.id)).toBe(false);
    expect(await dir.membersOf(conv.id)).toEqual([lan.user.id, minh.user.id].sort());
    expect(await dir.membersOf('nope')).toEqual([]);
    expect(await s.directory.isMember(conv.id, minh.user.id)).toBe(true);
  });

  it('shuts a blocked person out of the 1-1 conversation with the one who blocked them, and back in after unblocking', async () => {
    const conv = (await json<ConvBody>(await direct(lan, minh.user.id))).conversation;
    const dir = createDirectory(s.db);
    const block = await call(s.app, 'POST', '/api/blocks', { token: minh.accessToken, body: { userId: lan.user.id } });
    expect(block.status).toBe(201);
    expect(await dir.isMember(conv.id, lan.user.id)).toBe(false);
    expect(await dir.isMember(conv.id, minh.user.id)).toBe(true);
    const unblock = await call(s.app, 'DELETE', `/api/blocks/${lan.user.id}`, { token: minh.accessToken });
    expect(unblock.status).toBe(204);
    expect(await dir.isMember(conv.id, lan.user.id)).toBe(true);
  });
});
