// Malformed requests to every social endpoint: each gets a typed 4xx and nothing changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';
import { makeFriends, sendRequest, socialRows } from './test-support';

// One world for the whole file: every test proves it changed nothing, so they cannot disturb each other.
let s: TestServices;
let lan: Registered;
let minh: Registered;
beforeAll(async () => {
  s = await setupServices();
  [lan, minh] = [await registerUser(s.app, 'lan'), await registerUser(s.app, 'minh')];
  await makeFriends(s.app, lan, await registerUser(s.app, 'hoa'));
  await sendRequest(s.app, minh, lan);
});
afterAll(() => s.db.destroy());

const BODY_ROUTES: [string, string, unknown][] = [
  ['POST', '/api/friends/request', { userId: 'x' }],
  ['POST', '/api/blocks', { userId: 'x' }],
  ['PUT', '/api/users/me/contact', { phone: '+84912345678' }],
];

function badBodies(valid: Record<string, unknown>, path: string): [string, unknown, Record<string, string>?][] {
  const text = JSON.stringify(valid);
  // A contact update may leave every field out; the other bodies need their userId.
  const empty: [string, unknown][] = path.endsWith('/contact') ? [] : [['an empty object', {}]];
  return [
    ...empty,
    ['an unknown field', { ...valid, admin: true }],
    ['a number for a string', Object.fromEntries(Object.keys(valid).map((k) => [k, 42]))],
    ['an array for a string', Object.fromEntries(Object.keys(valid).map((k) => [k, ['a']]))],
    ['an object for a string', Object.fromEntries(Object.keys(valid).map((k) => [k, { id: 'a' }]))],
    ['a 200-character id or value', Object.fromEntries(Object.keys(valid).map((k) => [k, 'a'.repeat(200)]))],
    ['a __proto__ key', `{"__proto__":{"admin":true},${text.slice(1)}`],
    ['a constructor.prototype key', `{"constructor":{"prototype":{"admin":true}},${text.slice(1)}`],
    ['malformed JSON', text.slice(0, -1)],
    ['an empty body', ''],
    ['a JSON array', `[${text}]`],
    ['JSON null', 'null'],
    ['a text/plain body', text, { 'content-type': 'text/plain' }],
    ['a form body', 'userId=x', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content type', text, { 'content-type': '' }],
  ];
}

describe('bad bodies', () => {
  for (const [method, path, valid] of BODY_ROUTES) {
    for (const [what, body, headers] of badBodies(valid as Record<string, unknown>, path)) {
      it(`${method} ${path}: ${what} is 400 and changes nothing`, async () => {
        const before = await socialRows(s.db);
        const res = await call(s.app, method, path, { token: lan.accessToken, body, headers });
        expect(res.status).toBe(400);
        expect(await json(res)).toEqual({ error: { code: 'BAD_REQUEST', message: expect.any(String) } });
        expect(await socialRows(s.db)).toEqual(before);
        expect(({} as Record<string, unknown>).admin).toBeUndefined();
      });
    }

    it(`${method} ${path}: a body over 4 KiB is 413 and changes nothing`, async () => {
      const before = await socialRows(s.db);
      const res = await call(s.app, method, path, { token: lan.accessToken, body: { ...(valid as object), pad: 'x'.repeat(5000) } });
      expect(res.status).toBe(413);
      expect((await json<{ error: { code: string } }>(res)).error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await socialRows(s.db)).toEqual(before);
    });
  }
});

describe('bad path parameters', () => {
  const long = 'a'.repeat(129);
  const routes: [string, (id: string) => string][] = [
    ['PUT', (id) => `/api/friends/request/${id}/accept`],
    ['PUT', (id) => `/api/friends/request/${id}/reject`],
    ['DELETE', (id) => `/api/friends/request/${id}`],
    ['DELETE', (id) => `/api/friends/${id}`],
    ['GET', (id) => `/api/friends/list/${id}`],
    ['GET', (id) => `/api/friends/suggestions/${id}`],
    ['DELETE', (id) => `/api/blocks/${id}`],
    ['POST', (id) => `/api/message-requests/${id}/accept`],
  ];
  for (const [method, path] of routes) {
    it(`${method} ${path(':id')}: an over-long or non-url-safe id is 400 and changes nothing`, async () => {
      const before = await socialRows(s.db);
      for (const id of [long, 'a%20b', 'a%00b', '%E1%BB%85', '__proto__%2F']) {
        const res = await call(s.app, method, path(id), { token: lan.accessToken });
        expect(res.status, id).toBe(400);
        expect((await json<{ error: { code: string } }>(res)).error.code).toBe('BAD_REQUEST');
      }
      expect(await socialRows(s.db)).toEqual(before);
    });
  }

  it('unknown methods and paths under the social prefixes are a JSON 404', async () => {
    for (const [method, path] of [
      ['PATCH', '/api/friends/request'],
      ['GET', '/api/friends/request'],
      ['POST', '/api/friends/list/me'],
      ['GET', '/api/search/groupz'],
      ['DELETE', '/api/users/me/contact'],
    ] as const) {
      const res = await call(s.app, method, path, { token: lan.accessToken });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await json<{ error: { code: string } }>(res)).error.code).toBe('NOT_FOUND');
    }
  });
});
