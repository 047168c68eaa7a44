// Test support for the social suites: users, friendships and blocks made through the HTTP API, and a
// snapshot of every social row to prove that a refused request changed nothing. Tests only.
import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { Db } from '../db';
import { call, json, type Registered } from '../test-helpers';

export async function sendRequest(app: Hono, from: Registered, to: Registered): Promise<string> {
  const res = await call(app, 'POST', '/api/friends/request', { token: from.accessToken, body: { userId: to.user.id } });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json<{ request: { id: string } }>(res)).request.id;
}

export async function makeFriends(app: Hono, a: Registered, b: Registered): Promise<void> {
  const id = await sendRequest(app, a, b);
  const res = await call(app, 'PUT', `/api/friends/request/${id}/accept`, { token: b.accessToken });
  expect(res.status, await res.clone().text()).toBe(200);
}

export async function blockUser(app: Hono, blocker: Registered, blocked: Registered): Promise<void> {
  const res = await call(app, 'POST', '/api/blocks', { token: blocker.accessToken, body: { userId: blocked.user.id } });
  expect(res.status, await res.clone().text()).toBe(201);
}

export async function friendIds(app: Hono, who: Registered): Promise<string[]> {
  const res = await call(app, 'GET', '/api/friends/list/me', { token: who.accessToken });
  expect(res.status).toBe(200);
  return (await json<{ friends: { user: { id: string } }[] }>(res)).friends.map((f) => f.user.id).sort();
}

export async function setDisplayName(app: Hono, who: Registered, displayName: string): Promise<void> {
  const res = await call(app, 'PUT', '/api/users/me', { token: who.accessToken, body: { displayName } });
  expect(res.status).toBe(200);
}

/** Starts the direct conversation `from` → `to` and answers its id. */
export async function startDirect(app: Hono, from: Registered, to: Registered): Promise<string> {
  const res = await call(app, 'POST', '/api/conversations/direct', { token: from.accessToken, body: { peerUserId: to.user.id } });
  expect([200, 201], await res.clone().text()).toContain(res.status);
  return (await json<{ conversation: { id: string } }>(res)).conversation.id;
}

/** Every row of the tables the social routes write, in a stable order, for before/after comparisons. */
export async function socialRows(db: Kysely<Db>): Promise<Record<string, unknown[]>> {
  const contacts = db.withTables<{ users: { phone: string | null; email: string | null } }>();
  return {
    friend_requests: await db.selectFrom('friend_requests').selectAll().orderBy('id').execute(),
    friendships: await db.selectFrom('friendships').selectAll().orderBy('user_id').orderBy('friend_id').execute(),
    blocks: await db.selectFrom('blocks').selectAll().orderBy('blocker_id').orderBy('blocked_id').execute(),
    accepted: await db.selectFrom('conversation_accepted_by').selectAll().orderBy('conversation_id').orderBy('user_id').execute(),
    conversations: await db.selectFrom('conversations').select('id').orderBy('id').execute(),
    users: await contacts.selectFrom('users').select(['id', 'display_name', 'phone', 'email']).orderBy('id').execute(),
  };
}
