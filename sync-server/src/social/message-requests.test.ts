import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, errorCode, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';
import { isMessageRequest } from './index';
import { blockUser, makeFriends, startDirect } from './test-support';

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

type Listed = { requests: { conversation: { id: string; kind: string; members: { userId: string }[] }; from: { id: string } }[] };
const listed = async (who: Registered) =>
  (await json<Listed>(await call(s.app, 'GET', '/api/message-requests', { token: who.accessToken }))).requests;
const accept = (who: Registered, id: string) => call(s.app, 'POST', `/api/message-requests/${id}/accept`, { token: who.accessToken });

describe('message requests', () => {
  it('a stranger’s new conversation is a request for the recipient only, until accepted', async () => {
    const id = await startDirect(s.app, minh, lan);
    const requests = await listed(lan);
    expect(requests).toEqual([
      {
        conversation: { id, kind: 'direct', members: expect.arrayContaining([{ userId: lan.user.id, role: 'member' }, { userId: minh.user.id, role: 'member' }]), createdAt: expect.any(Number) },
        from: minh.user,
      },
    ]);
    expect(requests[0]?.conversation.members).toHaveLength(2);
    expect(await isMessageRequest(s.db, id, lan.user.id)).toBe(true);
    // The starter wrote first: never a request for them.
    expect(await listed(minh)).toEqual([]);
    expect(await isMessageRequest(s.db, id, minh.user.id)).toBe(false);
    expect(await isMessageRequest(s.db, id, hoa.user.id)).toBe(false);

    expect((await accept(lan, id)).status).toBe(204);
    expect(await listed(lan)).toEqual([]);
    expect(await isMessageRequest(s.db, id, lan.user.id)).toBe(false);
    expect((await accept(lan, id)).status).toBe(204);
  });

  it('a friend’s conversation is never a request, and stays accepted after unfriending', async () => {
    await makeFriends(s.app, lan, minh);
    const id = await startDirect(s.app, minh, lan);
    expect(await listed(lan)).toEqual([]);
    expect(await isMessageRequest(s.db, id, lan.user.id)).toBe(false);
    expect((await call(s.app, 'DELETE', `/api/friends/${minh.user.id}`, { token: lan.accessToken })).status).toBe(204);
    expect(await isMessageRequest(s.db, id, lan.user.id)).toBe(false);
    expect(await listed(lan)).toEqual([]);
  });

  it('stops being a request when the two become friends', async () => {
    const id = await startDirect(s.app, minh, lan);
    expect(await isMessageRequest(s.db, id, lan.user.id)).toBe(true);
    await makeFriends(s.app, minh, lan);
    expect(await isMessageRequest(s.db, id, lan.user.id)).toBe(false);
  });

  it('lists newest first, and leaves out requests from people you blocked', async () => {
    const fromMinh = await startDirect(s.app, minh, lan);
    const fromHoa = await startDirect(s.app, hoa, lan);
    expect((await listed(lan)).map((r) => r.conversation.id)).toEqual([fromHoa, fromMinh]);
    await blockUser(s.app, lan, hoa);
    expect((await listed(lan)).map((r) => r.conversation.id)).toEqual([fromMinh]);
    // Still a request (never in the main list), just not shown.
    expect(await isMessageRequest(s.db, fromHoa, lan.user.id)).toBe(true);
    // Being blocked by the recipient changes nothing the starter can see.
    await blockUser(s.app, minh, lan);
    expect(await isMessageRequest(s.db, fromMinh, lan.user.id)).toBe(true);
  });

  it('accepting is for members only: anyone else hears 404, as for an unknown conversation', async () => {
    const id = await startDirect(s.app, minh, lan);
    const outsider = await accept(hoa, id);
    const unknown = await accept(hoa, 'AAAAAAAAAAAAAAAAAAAAAA');
    expect(outsider.status).toBe(404);
    expect(await outsider.text()).toBe(await unknown.text());
    expect(await errorCode(await accept(hoa, id))).toBe('NOT_FOUND');
    expect(await isMessageRequest(s.db, id, lan.user.id)).toBe(true);
  });
});
