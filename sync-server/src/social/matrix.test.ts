// The authorization matrix: every social endpoint, called by each kind of caller relative to one
// target user T. Cell by cell: the status, what the caller may see, that a refusal changed nothing,
// and that a user T blocked gets byte-for-byte the answer an unknown user would get.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';
import { blockUser, makeFriends, sendRequest, socialRows, startDirect } from './test-support';

const ROLES = ['anonymous', 'stranger', 'friend', 'blocked', 'blocker', 'self'] as const;
type Role = (typeof ROLES)[number];
const GHOST = 'AAAAAAAAAAAAAAAAAAAAAA';

interface World {
  s: TestServices;
  /** The target: friend of F, blocked B, was blocked by K. */
  t: Registered;
  as: Record<Exclude<Role, 'anonymous'>, Registered>;
  /** A pending request stranger → T, when the row asks for one. */
  requestId: string;
  /** A direct conversation stranger → T, when the row asks for one. */
  conversationId: string;
}

interface Row {
  name: string;
  prepare?: 'request' | 'conversation';
  send: (w: World, who: Registered | undefined) => Promise<Response>;
  /** The same call about something that does not exist, whose answer the blocked role must get. */
  ghost?: (w: World, who: Registered | undefined) => Promise<Response>;
  expect: Record<Role, number>;
  /** What the caller may see, for 2xx cells. */
  sees?: (w: World, role: Role, body: unknown) => void;
}

const token = (who: Registered | undefined) => who?.accessToken;
const ids = (list: { user: { id: string } }[]) => list.map((x) => x.user.id);

const ROWS: Row[] = [
  {
    name: 'POST /api/friends/request',
    send: (w, who) => call(w.s.app, 'POST', '/api/friends/request', { token: token(who), body: { userId: w.t.user.id } }),
    ghost: (w, who) => call(w.s.app, 'POST', '/api/friends/request', { token: token(who), body: { userId: GHOST } }),
    expect: { anonymous: 401, stranger: 201, friend: 409, blocked: 404, blocker: 409, self: 400 },
  },
  {
    name: 'PUT /api/friends/request/:id/accept',
    prepare: 'request',
    send: (w, who) => call(w.s.app, 'PUT', `/api/friends/request/${w.requestId}/accept`, { token: token(who) }),
    ghost: (w, who) => call(w.s.app, 'PUT', `/api/friends/request/${GHOST}/accept`, { token: token(who) }),
    expect: { anonymous: 401, stranger: 403, friend: 404, blocked: 404, blocker: 404, self: 200 },
  },
  {
    name: 'PUT /api/friends/request/:id/reject',
    prepare: 'request',
    send: (w, who) => call(w.s.app, 'PUT', `/api/friends/request/${w.requestId}/reject`, { token: token(who) }),
    ghost: (w, who) => call(w.s.app, 'PUT', `/api/friends/request/${GHOST}/reject`, { token: token(who) }),
    expect: { anonymous: 401, stranger: 403, friend: 404, blocked: 404, blocker: 404, self: 204 },
  },
  {
    name: 'DELETE /api/friends/request/:id',
    prepare: 'request',
    send: (w, who) => call(w.s.app, 'DELETE', `/api/friends/request/${w.requestId}`, { token: token(who) }),
    ghost: (w, who) => call(w.s.app, 'DELETE', `/api/friends/request/${GHOST}`, { token: token(who) }),
    expect: { anonymous: 401, stranger: 204, friend: 404, blocked: 404, blocker: 404, self: 403 },
  },
  {
    name: 'GET /api/friends/requests',
    prepare: 'request',
    send: (w, who) => call(w.s.app, 'GET', '/api/friends/requests', { token: token(who) }),
    expect: { anonymous: 401, stranger: 200, friend: 200, blocked: 200, blocker: 200, self: 200 },
    sees: (w, role, body) => {
      const { incoming, outgoing } = body as { incoming: { user: { id: string } }[]; outgoing: { user: { id: string } }[] };
      expect([ids(incoming), ids(outgoing)]).toEqual(
        role === 'self' ? [[w.as.stranger.user.id], []] : role === 'stranger' ? [[], [w.t.user.id]] : [[], []],
      );
    },
  },
  {
    name: 'DELETE /api/friends/:friendId',
    send: (w, who) => call(w.s.app, 'DELETE', `/api/friends/${w.t.user.id}`, { token: token(who) }),
    ghost: (w, who) => call(w.s.app, 'DELETE', `/api/friends/${GHOST}`, { token: token(who) }),
    expect: { anonymous: 401, stranger: 404, friend: 204, blocked: 404, blocker: 404, self: 400 },
  },
  {
    name: 'GET /api/friends/list/:userId',
    send: (w, who) => call(w.s.app, 'GET', `/api/friends/list/${w.t.user.id}`, { token: token(who) }),
    expect: { anonymous: 401, stranger: 403, friend: 403, blocked: 403, blocker: 403, self: 200 },
    sees: (w, _role, body) => expect(ids((body as { friends: { user: { id: string } }[] }).friends)).toEqual([w.as.friend.user.id]),
  },
  {
    name: 'GET /api/friends/suggestions/:userId',
    send: (w, who) => call(w.s.app, 'GET', `/api/friends/suggestions/${w.t.user.id}`, { token: token(who) }),
    expect: { anonymous: 401, stranger: 403, friend: 403, blocked: 403, blocker: 403, self: 200 },
    sees: (_w, _role, body) => expect(body).toEqual({ suggestions: [] }),
  },
  {
    name: 'POST /api/blocks',
    send: (w, who) => call(w.s.app, 'POST', '/api/blocks', { token: token(who), body: { userId: w.t.user.id } }),
    expect: { anonymous: 401, stranger: 201, friend: 201, blocked: 201, blocker: 200, self: 400 },
    sees: (w, _role, body) => expect((body as { block: { user: unknown } }).block.user).toEqual(w.t.user),
  },
  {
    name: 'DELETE /api/blocks/:userId',
    send: (w, who) => call(w.s.app, 'DELETE', `/api/blocks/${w.t.user.id}`, { token: token(who) }),
    ghost: (w, who) => call(w.s.app, 'DELETE', `/api/blocks/${GHOST}`, { token: token(who) }),
    expect: { anonymous: 401, stranger: 404, friend: 404, blocked: 404, blocker: 204, self: 400 },
  },
  {
    name: 'GET /api/blocks',
    send: (w, who) => call(w.s.app, 'GET', '/api/blocks', { token: token(who) }),
    expect: { anonymous: 401, stranger: 200, friend: 200, blocked: 200, blocker: 200, self: 200 },
    sees: (w, role, body) => {
      const own = role === 'blocker' ? [w.t.user.id] : role === 'self' ? [w.as.blocked.user.id] : [];
      expect(ids((body as { blocks: { user: { id: string } }[] }).blocks)).toEqual(own);
    },
  },
  {
    name: 'GET /api/search/users',
    send: (w, who) => call(w.s.app, 'GET', `/api/search/users?q=${w.t.user.username}`, { token: token(who) }),
    ghost: (w, who) => call(w.s.app, 'GET', '/api/search/users?q=nobody_here', { token: token(who) }),
    expect: { anonymous: 401, stranger: 200, friend: 200, blocked: 200, blocker: 200, self: 200 },
    sees: (w, role, body) => {
      const relation = { stranger: 'none', friend: 'friend', blocker: 'blocked' }[role as string];
      const expected = relation ? [{ user: w.t.user, relation, exact: true }] : [];
      expect((body as { users: unknown[] }).users).toEqual(expected);
    },
  },
  {
    name: 'GET /api/message-requests',
    prepare: 'conversation',
    send: (w, who) => call(w.s.app, 'GET', '/api/message-requests', { token: token(who) }),
    expect: { anonymous: 401, stranger: 200, friend: 200, blocked: 200, blocker: 200, self: 200 },
    sees: (w, role, body) => {
      const listed = (body as { requests: { conversation: { id: string } }[] }).requests.map((r) => r.conversation.id);
      expect(listed).toEqual(role === 'self' ? [w.conversationId] : []);
    },
  },
  {
    name: 'POST /api/message-requests/:conversationId/accept',
    prepare: 'conversation',
    send: (w, who) => call(w.s.app, 'POST', `/api/message-requests/${w.conversationId}/accept`, { token: token(who) }),
    ghost: (w, who) => call(w.s.app, 'POST', `/api/message-requests/${GHOST}/accept`, { token: token(who) }),
    expect: { anonymous: 401, stranger: 204, friend: 404, blocked: 404, blocker: 404, self: 204 },
  },
  {
    name: 'GET /api/users/me/contact',
    send: (w, who) => call(w.s.app, 'GET', '/api/users/me/contact', { token: token(who) }),
    expect: { anonymous: 401, stranger: 200, friend: 200, blocked: 200, blocker: 200, self: 200 },
    sees: (_w, role, body) => expect(body).toEqual({ phone: role === 'self' ? '+84912345678' : null, email: null }),
  },
  {
    name: 'PUT /api/users/me/contact',
    send: (w, who) => call(w.s.app, 'PUT', '/api/users/me/contact', { token: token(who), body: { email: `${who?.user.username}@mekong.vn` } }),
    expect: { anonymous: 401, stranger: 200, friend: 200, blocked: 200, blocker: 200, self: 200 },
    sees: (w, role, body) => {
      const who = w.as[role as Exclude<Role, 'anonymous'>];
      expect(body).toEqual({ phone: role === 'self' ? '+84912345678' : null, email: `${who.user.username}@mekong.vn` });
    },
  },
  {
    name: 'POST /api/conversations/direct (the block check)',
    send: (w, who) => call(w.s.app, 'POST', '/api/conversations/direct', { token: token(who), body: { peerUserId: w.t.user.id } }),
    ghost: (w, who) => call(w.s.app, 'POST', '/api/conversations/direct', { token: token(who), body: { peerUserId: GHOST } }),
    expect: { anonymous: 401, stranger: 201, friend: 201, blocked: 404, blocker: 403, self: 400 },
  },
];

let w: World;
beforeEach(async () => {
  const s = await setupServices();
  const reg = (name: string) => registerUser(s.app, name);
  const as = { stranger: await reg('stranger'), friend: await reg('friend'), blocked: await reg('blocked'), blocker: await reg('blocker'), self: await reg('target') };
  const t = as.self;
  await makeFriends(s.app, as.friend, t);
  await blockUser(s.app, t, as.blocked);
  await blockUser(s.app, as.blocker, t);
  await call(s.app, 'PUT', '/api/users/me/contact', { token: t.accessToken, body: { phone: '+84912345678' } });
  w = { s, t, as, requestId: '', conversationId: '' };
});
afterEach(() => w.s.db.destroy());

describe('authorization matrix', () => {
  for (const row of ROWS) {
    it(row.name, async () => {
      if (row.prepare === 'conversation') w.conversationId = await startDirect(w.s.app, w.as.stranger, w.t);
      for (const role of ROLES) {
        const who = role === 'anonymous' ? undefined : w.as[role];
        // Each cell meets a pending request, even when the cell before it cancelled the last one.
        if (row.prepare === 'request' && (await w.s.db.selectFrom('friend_requests').select('id').execute()).length === 0) {
          w.requestId = await sendRequest(w.s.app, w.as.stranger, w.t);
        }
        const before = await socialRows(w.s.db);
        const res = await row.send(w, who);
        const text = await res.text();
        const cell = `${row.name} as ${role}: ${text}`;
        expect(res.status, cell).toBe(row.expect[role]);
        if (res.status >= 400) {
          expect(JSON.parse(text).error.code, cell).toEqual(expect.any(String));
          expect(await socialRows(w.s.db), `${cell} changed something`).toEqual(before);
        }
        if (role === 'blocked' && row.ghost) {
          // What T's blocked user gets is exactly what a call about nobody gets.
          const ghost = await row.ghost(w, who);
          expect([res.status, text], `${row.name}: blocked must look like not-found`).toEqual([ghost.status, await ghost.text()]);
        }
        if (res.status < 300 && res.status !== 204 && row.sees) row.sees(w, role, JSON.parse(text));
      }
    });
  }

  it('has a row for every route the social app serves', () => {
    const served = new Set(
      w.s.app.routes
        .filter((r) => r.method !== 'ALL' && /^\/api\/(friends|blocks|search|message-requests|users\/me\/contact)/.test(r.path))
        .map((r) => `${r.method} ${r.path}`),
    );
    const rows = new Set(ROWS.map((r) => r.name.split(' ').slice(0, 2).join(' ')).filter((r) => !r.includes('/conversations/')));
    expect([...served].sort()).toEqual([...rows].sort());
    expect(served.size).toBe(16);
  });
});

describe('leaks around blocks', () => {
  it("a request removed by a block reads like one that never existed, for its sender", async () => {
    const id = await sendRequest(w.s.app, w.as.stranger, w.t);
    await blockUser(w.s.app, w.t, w.as.stranger);
    const gone = await call(w.s.app, 'DELETE', `/api/friends/request/${id}`, { token: w.as.stranger.accessToken });
    const never = await call(w.s.app, 'DELETE', `/api/friends/request/${GHOST}`, { token: w.as.stranger.accessToken });
    expect([gone.status, await gone.text()]).toEqual([never.status, await never.text()]);
    // And the sender's outgoing list looks as after a rejection.
    const lists = await json(await call(w.s.app, 'GET', '/api/friends/requests', { token: w.as.stranger.accessToken }));
    expect(lists).toEqual({ incoming: [], outgoing: [] });
  });
});
