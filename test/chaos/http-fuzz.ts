// Malformed HTTP input for every route of the sync-server: the route list comes from the Hono app
// itself, seeds of valid bodies from real client traffic, then fast-check mutations and the classic
// attacks (huge strings, deep nesting, prototype keys, wrong content types, invalid UTF-8, empty
// and truncated bodies, wrong methods, huge headers and query strings, path traversal in ids).
// The bar: never a 5xx, never a hang, and every 4xx from the application is `{ error: { code } }`.
import { request } from 'node:http';
import { isErrorCode } from '@mekong/schema';
import { createServices, openDatabase, migrateToLatest } from '@mekong/sync-server';
import fc from 'fast-check';

/** `METHOD /path/:param` of a route. */
export type RouteKey = string;

/**
 * Every route of the API app by `METHOD /path`. A route added to the app without an entry here
 * makes the completeness test fail, so the fuzzer never silently skips one. The value is a valid
 * body to mutate when real client traffic did not provide one (undefined: the route takes none).
 */
export const ROUTE_BODIES: Record<RouteKey, unknown> = {
  'GET /healthz': undefined,
  'GET /readyz': undefined,
  'POST /api/users/register': { username: 'fuzzy', displayName: 'Fuzzy', loginSecret: 'A'.repeat(43), identityKey: 'A'.repeat(43), backup: {} },
  'POST /api/users/login': { username: 'fuzzy', loginSecret: 'A'.repeat(43) },
  'POST /api/users/refresh': { refreshToken: 'A'.repeat(43) },
  'POST /api/users/logout': undefined,
  'GET /api/users/me/backup': undefined,
  'PUT /api/users/me/backup': { expectedVersion: 1, data: {} },
  'GET /api/users/:id/devices': undefined,
  'POST /api/users/devices': { userIds: ['x'] },
  'DELETE /api/users/me/devices/:id': undefined,
  'POST /api/users/me/devices': {},
  'GET /api/users/by-username/:username': undefined,
  'POST /api/users/by-username': { usernames: ['fuzzy', 'minh'] },
  'GET /api/users/:id': undefined,
  'PUT /api/users/:id': { displayName: 'New name' },
  'GET /api/search/users': undefined,
  'GET /api/presence': undefined,
  'GET /api/users/me/contact': undefined,
  'PUT /api/users/me/contact': { phone: '+84901234567', email: 'a@example.com' },
  'POST /api/conversations/direct': { peerUserId: 'x' },
  'GET /api/conversations': undefined,
  'GET /api/conversations/:id': undefined,
  'POST /api/conversations/:id/keys': { envelopes: [] },
  'GET /api/conversations/:id/keys': undefined,
  'GET /api/keys': undefined,
  'POST /api/friends/request': { userId: 'x' },
  'PUT /api/friends/request/:id/accept': undefined,
  'PUT /api/friends/request/:id/reject': undefined,
  'DELETE /api/friends/request/:id': undefined,
  'GET /api/friends/requests': undefined,
  'GET /api/friends/list/:userId': undefined,
  'GET /api/friends/suggestions/:userId': undefined,
  'DELETE /api/friends/:friendId': undefined,
  'POST /api/blocks': { userId: 'x' },
  'DELETE /api/blocks/:userId': undefined,
  'GET /api/blocks': undefined,
  'GET /api/message-requests': undefined,
  'POST /api/message-requests/:conversationId/accept': undefined,
  'POST /api/groups': { name: 'g', entry: {} },
  'GET /api/groups/:id': undefined,
  'PUT /api/groups/:id': { name: 'renamed' },
  'DELETE /api/groups/:id': undefined,
  'POST /api/conversations/:id/log': { entry: {} },
  'GET /api/conversations/:id/log': undefined,
  'POST /api/groups/:id/members': { entry: {} },
  'DELETE /api/groups/:id/members/:userId': { entry: {} },
  'PUT /api/groups/:id/members/:userId/role': { entry: {} },
  'POST /api/media': undefined,
  'GET /api/media/usage': undefined,
  'GET /api/media/:id': undefined,
  'DELETE /api/media/:id': undefined,
};

/** Query strings worth mutating, by route. */
const ROUTE_QUERIES: Record<RouteKey, Record<string, string>> = {
  'GET /api/search/users': { q: 'fuzz' },
  'GET /api/presence': { users: 'x' },
  'GET /api/conversations/:id/log': { after: '0', limit: '10' },
  'GET /api/keys': { limit: '10' },
  'GET /api/users/:id/devices': { retired: '1' },
};

/** The routes the API app really has, read from the Hono router (middleware entries left out). */
export async function discoverRoutes(): Promise<RouteKey[]> {
  const db = await openDatabase(':memory:');
  try {
    await migrateToLatest(db);
    const services = await createServices({
      db,
      tokenSecret: new Uint8Array(32).fill(7),
      hasher: { hash: async () => 'x', verify: async () => false },
      logger: (await import('pino')).pino({ level: 'silent' }),
    });
    const keys = new Set<RouteKey>();
    for (const r of services.app.routes) if (r.method !== 'ALL') keys.add(`${r.method} ${r.path}`);
    return [...keys].sort();
  } finally {
    await db.destroy();
  }
}

/** Real values for path parameters, so that mutations of the rest reach deep into a handler. */
export interface FuzzContext {
  baseUrl: string;
  userId: string;
  username: string;
  deviceId: string;
  conversationId: string;
  groupId: string;
  /** A fresh access token of a live session (refreshed by the caller as needed). */
  token(): Promise<string>;
  /** Bodies that real client traffic sent, by route. */
  recorded: Map<RouteKey, unknown>;
}

export interface HttpInput {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What the input is, for a failure message. */
  what: string;
}

export interface HttpAnswer {
  status: number;
  body: Buffer;
  contentType: string;
}

/** Sends `input` over a fresh connection; rejects after `timeoutMs` (a hang) or on a socket error before any answer. */
export function sendHttp(baseUrl: string, input: HttpInput, timeoutMs = 10_000): Promise<HttpAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let settled = false;
    const headers: Record<string, string> = { ...input.headers };
    if (input.body !== undefined && headers['content-length'] === undefined) headers['content-length'] = String(input.body.byteLength);
    const req = request({ host: url.hostname, port: url.port, method: input.method, path: input.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => undefined);
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: String(res.headers['content-type'] ?? '') });
      };
      res.on('end', done);
      res.on('close', done);
    });
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => {
      // EPIPE/ECONNRESET after an early answer (413 while the body was still going): the response handler resolves
      setTimeout(() => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      }, 200);
    });
    req.end(input.body);
  });
}

/** Node's HTTP parser refuses some requests before the application sees them (no body, connection closed). */
const PARSER_STATUSES = new Set([400, 413, 414, 431]);

/** Undefined when the answer is acceptable, else what is wrong with it. */
export function judgeHttp(input: HttpInput, answer: HttpAnswer): string | undefined {
  if (answer.status >= 500) return `${answer.status} ${answer.body.toString('utf8').slice(0, 200)}`;
  if (answer.status < 400) return undefined;
  if (input.method === 'HEAD') return undefined; // no body by definition
  if (answer.body.byteLength === 0 && PARSER_STATUSES.has(answer.status)) return undefined;
  let code: unknown;
  try {
    code = (JSON.parse(answer.body.toString('utf8')) as { error?: { code?: unknown } }).error?.code;
  } catch {
    return `${answer.status} without a JSON error body: ${answer.body.toString('utf8').slice(0, 120)}`;
  }
  return isErrorCode(code) ? undefined : `${answer.status} with an untyped error body: ${answer.body.toString('utf8').slice(0, 120)}`;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

/** Path parameter values that try to escape, overflow or confuse an id. */
const HOSTILE_IDS = [
  '..',
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2f',
  '%00',
  'a%00b',
  '%ff%fe',
  '%',
  '%zz',
  '__proto__',
  'constructor',
  'me',
  'null',
  '-1',
  '9'.repeat(400),
  'a'.repeat(5000),
  '%F0%9F%98%80',
  'é',
  'C%3A%5Cwindows',
  '.%2e/.%2e/',
];

function deepArray(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}
function deepObject(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Replaces `:param` segments with `values` (url-encoded unless `raw`). */
function fillPath(pattern: string, values: (name: string) => string, raw = false): string {
  return pattern.replace(/:([A-Za-z]+)/g, (_, name: string) => (raw ? values(name) : encodeURIComponent(values(name))));
}

function validParam(ctx: FuzzContext, name: string): string {
  if (name === 'username') return ctx.username;
  if (name === 'conversationId') return ctx.conversationId;
  if (name === 'userId' || name === 'friendId') return ctx.userId;
  return ctx.groupId;
}

function withQuery(path: string, query: Record<string, string> | undefined): string {
  if (!query || Object.keys(query).length === 0) return path;
  return `${path}?${new URLSearchParams(query).toString()}`;
}

/** A value of any JSON type, sizes from tiny to hostile. */
const wildValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.integer(),
  fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER + 2, 0.5),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('', ' ', '\u0000', '\u202e', 'x'.repeat(70_000), '𝔘'.repeat(40), '<script>', "'; drop table users; --"),
  fc.array(fc.string(), { maxLength: 5 }),
);

/** A seed body with one field replaced, dropped or added (top level or one level down). */
function mutatedBody(seed: unknown): fc.Arbitrary<unknown> {
  if (!seed || typeof seed !== 'object' || Array.isArray(seed)) return fc.jsonValue({ maxDepth: 4 });
  const keys = Object.keys(seed as object);
  return fc.tuple(fc.nat(), wildValue, fc.constantFrom('replace', 'drop', 'add', 'nested', '__proto__', 'constructor')).map(([i, value, how]) => {
    const copy = JSON.parse(JSON.stringify(seed)) as Record<string, unknown>;
    const key = keys.length ? keys[i % keys.length]! : 'x';
    if (how === 'replace') copy[key] = value;
    else if (how === 'drop') delete copy[key];
    else if (how === 'add') copy[`extra${i % 7}`] = value;
    else if (how === 'nested') {
      const inner = copy[key];
      if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
        const innerKeys = Object.keys(inner);
        (inner as Record<string, unknown>)[innerKeys.length ? innerKeys[i % innerKeys.length]! : 'y'] = value;
      } else copy[key] = { nested: value };
    } else {
      // a literal prototype key survives JSON.stringify only when defined as an own property
      Object.defineProperty(copy, how, { value: { admin: true, polluted: value }, enumerable: true, configurable: true, writable: true });
    }
    return copy;
  });
}

/**
 * `count` malformed inputs for one route: the fixed classics first, then fast-check mutations.
 * Half of them carry the caller's access token (`auth` true), half none or a broken one.
 */
export async function httpInputs(route: RouteKey, ctx: FuzzContext, count: number, seed: number): Promise<Array<HttpInput & { auth: boolean }>> {
  const [method, pattern] = route.split(' ') as [string, string];
  const seedBody = ctx.recorded.get(route) ?? ROUTE_BODIES[route];
  const seedJson = seedBody === undefined ? '{}' : JSON.stringify(seedBody);
  const query = ROUTE_QUERIES[route];
  const path = withQuery(fillPath(pattern, (n) => validParam(ctx, n)), query);
  const hostilePath = (id: string) => withQuery(fillPath(pattern, () => id, true), query);
  const classics: HttpInput[] = [
    { what: 'empty body', method, path, headers: JSON_TYPE, body: Buffer.alloc(0) },
    { what: 'truncated JSON', method, path, headers: JSON_TYPE, body: Buffer.from(seedJson.slice(0, Math.max(1, Math.floor(seedJson.length / 2)))) },
    { what: 'invalid UTF-8', method, path, headers: JSON_TYPE, body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]) },
    { what: 'invalid UTF-8 seed', method, path, headers: JSON_TYPE, body: Buffer.concat([Buffer.from(seedJson.slice(0, -1)), Buffer.from([0x2c, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d])]) },
    { what: 'deeply nested arrays', method, path, headers: JSON_TYPE, body: Buffer.from(deepArray(20_000)) },
    { what: 'deeply nested objects', method, path, headers: JSON_TYPE, body: Buffer.from(deepObject(20_000)) },
    { what: '__proto__ key', method, path, headers: JSON_TYPE, body: Buffer.from(`{"__proto__":{"admin":true},${seedJson.slice(1)}`) },
    { what: 'constructor.prototype key', method, path, headers: JSON_TYPE, body: Buffer.from(`{"constructor":{"prototype":{"admin":true}},${seedJson.slice(1)}`) },
    { what: 'huge string field', method, path, headers: JSON_TYPE, body: Buffer.from(JSON.stringify({ ...(typeof seedBody === 'object' && seedBody ? seedBody : {}), username: 'u'.repeat(1_000_000) })) },
    { what: '3 MiB body', method, path, headers: JSON_TYPE, body: Buffer.alloc(3 * 1024 * 1024, 0x61) },
    { what: 'array instead of object', method, path, headers: JSON_TYPE, body: Buffer.from(`[${seedJson}]`) },
    { what: 'text/plain', method, path, headers: { 'content-type': 'text/plain' }, body: Buffer.from(seedJson) },
    { what: 'form body', method, path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from('username=a&__proto__[x]=1') },
    { what: 'multipart', method, path, headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: Buffer.from('--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n') },
    { what: 'no content type', method, path, headers: {}, body: Buffer.from(seedJson) },
    { what: 'json utf-16', method, path, headers: { 'content-type': 'application/json; charset=utf-16' }, body: Buffer.from(seedJson, 'utf16le') },
    { what: 'octet-stream', method, path, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 1, 2, 3, 255]) },
    { what: 'huge header', method, path, headers: { ...JSON_TYPE, 'x-fuzz': 'h'.repeat(64 * 1024) }, body: Buffer.from(seedJson) },
    { what: 'many headers', method, path, headers: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`x-f${i}`, 'v'])), body: Buffer.from(seedJson) },
    { what: 'huge query string', method, path: `${path}${path.includes('?') ? '&' : '?'}q=${'q'.repeat(12_000)}`, headers: JSON_TYPE, body: Buffer.from(seedJson) },
    { what: 'oversized query string', method, path: `${path}${path.includes('?') ? '&' : '?'}${'a=1&'.repeat(20_000)}`, headers: JSON_TYPE, body: Buffer.from(seedJson) },
    { what: 'repeated query keys', method, path: `${path}${path.includes('?') ? '&' : '?'}limit=1&limit=2&after=x&after[]=y&q[$ne]=1`, headers: JSON_TYPE },
    { what: 'content-length lies short', method, path, headers: { ...JSON_TYPE, 'content-length': '2' }, body: Buffer.from(seedJson) },
    { what: 'wrong method PATCH', method: 'PATCH', path, headers: JSON_TYPE, body: Buffer.from(seedJson) },
    { what: 'wrong method', method: method === 'GET' ? 'POST' : 'GET', path, headers: JSON_TYPE },
    { what: 'OPTIONS', method: 'OPTIONS', path, headers: {} },
    { what: 'HEAD', method: 'HEAD', path, headers: {} },
    { what: 'trailing slash', method, path: path.replace(/(\?|$)/, '/$1'), headers: JSON_TYPE, body: Buffer.from(seedJson) },
    { what: 'double slashes', method, path: path.replaceAll('/', '//'), headers: JSON_TYPE, body: Buffer.from(seedJson) },
    ...(pattern.includes(':') ? HOSTILE_IDS.map((id) => ({ what: `path id ${id.slice(0, 30)}`, method, path: hostilePath(id), headers: JSON_TYPE, body: Buffer.from(seedJson) })) : []),
  ].filter((i) => !(i.body !== undefined && (i.method === 'GET' || i.method === 'HEAD') && i.what === 'wrong method'));

  const hostileId = fc.oneof(fc.constantFrom(...HOSTILE_IDS), fc.string({ maxLength: 300 }).map(encodeURIComponent), fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent));
  const generated = fc.oneof(
    { weight: 5, arbitrary: mutatedBody(seedBody).map((b) => ({ what: 'mutated body', method, path, headers: JSON_TYPE, body: Buffer.from(JSON.stringify(b) ?? 'null') }) as HttpInput) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((b) => ({ what: 'random JSON', method, path, headers: JSON_TYPE, body: Buffer.from(JSON.stringify(b) ?? 'null') }) as HttpInput) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((b) => ({ what: 'random bytes', method, path, headers: JSON_TYPE, body: Buffer.from(b) }) as HttpInput) },
    {
      weight: pattern.includes(':') ? 3 : 0,
      arbitrary: hostileId.map((id) => ({ what: `fuzzed id ${id.slice(0, 40)}`, method, path: hostilePath(id), headers: JSON_TYPE, body: Buffer.from(seedJson) }) as HttpInput),
    },
    {
      weight: 2,
      arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 100 }), fc.constant('9'.repeat(400))), { maxKeys: 4 }).map(
        (q) => ({ what: 'fuzzed query', method, path: withQuery(fillPath(pattern, (n) => validParam(ctx, n)), { ...query, ...q }), headers: JSON_TYPE, body: Buffer.from(seedJson) }) as HttpInput,
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom(...METHODS).map((m) => ({ what: `method ${m}`, method: m, path, headers: JSON_TYPE, body: m === 'GET' || m === 'HEAD' ? undefined : Buffer.from(seedJson) }) as HttpInput) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('text/plain', 'application/xml', 'application/json-patch+json', 'application/jsonx', 'APPLICATION/JSON', 'application/json;;', '*/*', '').map(
        (t) => ({ what: `content type ${t}`, method, path, headers: { 'content-type': t }, body: Buffer.from(seedJson) }) as HttpInput,
      ),
    },
  );
  // a short run (the npm test slice) takes a seeded share of the classics, so each run tries others
  const classicCount = count >= classics.length ? classics.length : Math.ceil(count * 0.7);
  const chosen = classicCount === classics.length ? classics : fc.sample(fc.shuffledSubarray(classics, { minLength: classicCount, maxLength: classicCount }), { numRuns: 1, seed })[0]!;
  const sampled = fc.sample(generated, { numRuns: count - chosen.length, seed });
  const all = [...chosen, ...sampled];
  const token = await ctx.token();
  const brokenAuth = ['Bearer ', 'Bearer x.y.z', `Bearer ${'A'.repeat(20_000)}`, 'Basic YWRtaW46YWRtaW4=', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', `Bearer ${token}x`, 'bearer'];
  return all.map((input, i) => {
    const auth = i % 2 === 0;
    const headers = { ...input.headers };
    if (auth) headers.authorization = `Bearer ${token}`;
    else if (i % 4 === 1) headers.authorization = brokenAuth[(i >> 2) % brokenAuth.length]!;
    return { ...input, headers, auth };
  });
}

/** Wraps a fetch so that every JSON body a real client sends is kept as the seed of its route. */
export function recordingFetch(inner: typeof fetch, routes: RouteKey[], recorded: Map<RouteKey, unknown>): typeof fetch {
  const matchers = routes.map((r) => {
    const [method, pattern] = r.split(' ') as [string, string];
    return { r, method, re: new RegExp(`^${pattern.replace(/:[A-Za-z]+/g, '[^/]+')}$`) };
  });
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? 'GET').toUpperCase();
    if (typeof init?.body === 'string') {
      const hit = matchers.find((m) => m.method === method && m.re.test(url.pathname));
      if (hit && !recorded.has(hit.r)) {
        try {
          recorded.set(hit.r, JSON.parse(init.body));
        } catch {
          /* not JSON: keep the hand-written seed */
        }
      }
    }
    return inner(input, init);
  }) as typeof fetch;
}
