// GET /api/presence: who may learn whose presence. Friends and people sharing a conversation see
// each other; a stranger, a blocked (or blocking) user and an unanswered message request learn
// exactly what they would learn of someone who was never online; nobody learns anything anonymously.
import { randomBytes } from 'node:crypto';
import { createMemoryPresence } from '@mekong/relay';
import { ErrorCode, MAX_PRESENCE_USERS, MekongError, type PresenceResponse } from '@mekong/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asMember, ClientLog, createGroupVia, newGroupId, registerSigner, type Signer } from '../groups/test-support';
import { blockUser, makeFriends, startDirect } from '../social/test-support';
import { call, errorCode, json, setupServices, type TestServices } from '../test-helpers';

const T0 = 1_700_000_000_000;
let clock = T0;
const presence = createMemoryPresence({ now: () => clock });
let s: TestServices;
const u = {} as Record<'me' | 'friend' | 'member' | 'stranger' | 'blocker' | 'blockedByMe' | 'asked' | 'asker' | 'quiet', Signer>;
const NOBODY = randomBytes(16).toString('base64url');

beforeAll(async () => {
  s = await setupServices({ presence, now: () => clock });
  for (const name of Object.keys({ me: 0, friend: 0, member: 0, stranger: 0, blocker: 0, blockedByMe: 0, asked: 0, asker: 0, quiet: 0 }) as Array<keyof typeof u>) {
    u[name] = await registerSigner(s.app, `p_${name.toLowerCase()}`);
  }
  await makeFriends(s.app, u.me.reg, u.friend.reg);
  // one group: me, member, blocker and blockedByMe (everyone there would see each other, but for blocks)
  await createGroupVia(s.app, u.me, new ClientLog(newGroupId()), [asMember(u.member), asMember(u.blocker), asMember(u.blockedByMe), asMember(u.quiet)]);
  await blockUser(s.app, u.blocker.reg, u.me.reg);
  await blockUser(s.app, u.me.reg, u.blockedByMe.reg);
  // me → asked: a message request `asked` never answered; asker → me: a request to me (asker reached out)
  await startDirect(s.app, u.me.reg, u.asked.reg);
  await startDirect(s.app, u.asker.reg, u.me.reg);
  // everybody but `quiet` is connected to some relay
  for (const name of Object.keys(u) as Array<keyof typeof u>) if (name !== 'quiet') await presence.hold('relay-1', [u[name].userId], 60_000);
  clock += 1000;
});
afterAll(() => s.db.destroy());

async function ask(who: Signer | undefined, ids: string[]) {
  return call(s.app, 'GET', `/api/presence?users=${ids.map(encodeURIComponent).join(',')}`, who ? { token: who.token } : {});
}
async function presenceOf(who: Signer, ids: string[]) {
  const res = await ask(who, ids);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await json<PresenceResponse>(res)).users;
}
const seen = { online: true, lastSeen: T0 };
const hidden = { online: false, lastSeen: null };

describe('GET /api/presence', () => {
  it('shows friends, co-members of a group, and oneself', async () => {
    const got = await presenceOf(u.me, [u.friend.userId, u.member.userId, u.me.userId]);
    expect(got).toEqual([
      { userId: u.friend.userId, ...seen },
      { userId: u.member.userId, ...seen },
      { userId: u.me.userId, ...seen },
    ]);
  });

  it('answers a co-member who was never online as offline, never seen', async () => {
    expect(await presenceOf(u.me, [u.quiet.userId])).toEqual([{ userId: u.quiet.userId, ...hidden }]);
  });

  it('hides a stranger exactly like a user who does not exist', async () => {
    expect(await presenceOf(u.me, [u.stranger.userId, NOBODY])).toEqual([
      { userId: u.stranger.userId, ...hidden },
      { userId: NOBODY, ...hidden },
    ]);
    expect(await presenceOf(u.stranger, [u.me.userId])).toEqual([{ userId: u.me.userId, ...hidden }]);
  });

  it('shows nothing between two people when either blocked the other, though they share a group', async () => {
    // blocker blocked me
    expect(await presenceOf(u.me, [u.blocker.userId])).toEqual([{ userId: u.blocker.userId, ...hidden }]);
    expect(await presenceOf(u.blocker, [u.me.userId])).toEqual([{ userId: u.me.userId, ...hidden }]);
    // I blocked blockedByMe
    expect(await presenceOf(u.blockedByMe, [u.me.userId])).toEqual([{ userId: u.me.userId, ...hidden }]);
    expect(await presenceOf(u.me, [u.blockedByMe.userId])).toEqual([{ userId: u.blockedByMe.userId, ...hidden }]);
    // the others in that group still see the blocker
    expect(await presenceOf(u.member, [u.blocker.userId])).toEqual([{ userId: u.blocker.userId, ...seen }]);
  });

  it('does not let a message request reveal the person asked, until they accept it', async () => {
    expect(await presenceOf(u.me, [u.asked.userId])).toEqual([{ userId: u.asked.userId, ...hidden }]);
    // the person who reached out may be seen by the one they wrote to
    expect(await presenceOf(u.me, [u.asker.userId])).toEqual([{ userId: u.asker.userId, ...seen }]);
    expect(await presenceOf(u.asker, [u.me.userId])).toEqual([{ userId: u.me.userId, ...hidden }]);

    const list = await json<{ requests: Array<{ conversation: { id: string }; from: { id: string } }> }>(
      await call(s.app, 'GET', '/api/message-requests', { token: u.asked.token }),
    );
    const conv = list.requests.find((r) => r.from.id === u.me.userId)!.conversation.id;
    expect((await call(s.app, 'POST', `/api/message-requests/${conv}/accept`, { token: u.asked.token })).status).toBe(204);
    expect(await presenceOf(u.me, [u.asked.userId])).toEqual([{ userId: u.asked.userId, ...seen }]);
  });

  it('shows a friend offline, with the time they were last seen, once their relay lets go', async () => {
    await presence.release('relay-1', u.friend.userId);
    expect(await presenceOf(u.me, [u.friend.userId])).toEqual([{ userId: u.friend.userId, online: false, lastSeen: clock }]);
    await presence.hold('relay-1', [u.friend.userId], 60_000);
  });

  it('answers each id once, in the order first asked', async () => {
    const got = await presenceOf(u.me, [u.member.userId, u.stranger.userId, u.member.userId, u.friend.userId]);
    expect(got.map((p) => p.userId)).toEqual([u.member.userId, u.stranger.userId, u.friend.userId]);
  });

  it('refuses an anonymous caller and a bad list with typed errors', async () => {
    const anonymous = await ask(undefined, [u.me.userId]);
    expect(anonymous.status).toBe(401);
    expect(await errorCode(anonymous)).toBe(ErrorCode.UNAUTHENTICATED);
    const many = Array.from({ length: MAX_PRESENCE_USERS + 1 }, (_, i) => `u${i}`);
    for (const bad of [many, [''], ['a/b']]) {
      const res = await ask(u.me, bad);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe(ErrorCode.BAD_REQUEST);
    }
    const none = await call(s.app, 'GET', '/api/presence', { token: u.me.token });
    expect(await errorCode(none)).toBe(ErrorCode.BAD_REQUEST);
    expect((await presenceOf(u.me, many.slice(0, MAX_PRESENCE_USERS))).length).toBe(MAX_PRESENCE_USERS);
  });

  it('answers UNAVAILABLE when the presence store cannot be read', async () => {
    const lookup = async () => {
      throw new MekongError(ErrorCode.UNAVAILABLE, 'presence is unavailable right now');
    };
    const down = await setupServices({ presence: { ...presence, lookup } });
    try {
      const who = await registerSigner(down.app, 'p_down');
      const res = await call(down.app, 'GET', `/api/presence?users=${who.userId}`, { token: who.token });
      expect(res.status).toBe(503);
      expect(await errorCode(res)).toBe(ErrorCode.UNAVAILABLE);
    } finally {
      await down.db.destroy();
    }
  });
});
