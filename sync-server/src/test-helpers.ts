// Test support for the service apps: a fresh migrated database (in-memory SQLite, or a throwaway
// PostgreSQL schema), cheap Argon2 with call counters, and request helpers. Imported by *.test.ts files only.
import { randomBytes } from 'node:crypto';
import type { RegisterResponse } from '@mekong/schema';
import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll } from 'vitest';
import { type Db, migrateToLatest, openDatabase } from './db';
import { dropSpareSchemas, pgTestDatabase } from './db/pg-testing';
import { createArgon2Hasher, minimalLimits, type PasswordHasher } from './passwords';
import { createMemoryRateLimiter } from './rate-limit';
import { createServices, type Services, type ServicesOptions } from './services';

/** 32 random bytes as canonical base64url: a stand-in for any public key or login secret. */
export function key32(): string {
  return randomBytes(32).toString('base64url');
}

export interface CountingHasher extends PasswordHasher {
  calls: { hash: number; verify: number };
}

/** Argon2id at libsodium's minimum cost, counting every call. */
export async function countingHasher(inner?: PasswordHasher): Promise<CountingHasher> {
  const real = inner ?? (await createArgon2Hasher(await minimalLimits()));
  const calls = { hash: 0, verify: 0 };
  return {
    calls,
    hash: (secret) => {
      calls.hash++;
      return real.hash(secret);
    },
    verify: (hash, secret) => {
      calls.verify++;
      return real.verify(hash, secret);
    },
  };
}

export const silentLogger = pino({ level: 'silent' });

export interface TestServices extends Services {
  db: Kysely<Db>;
  hasher: CountingHasher;
}

/** Limits high enough that only the rate-limit tests ever meet them. */
const generous = () => createMemoryRateLimiter({ attempts: 100_000, windowMs: 60_000 });

export type TestEngine = 'sqlite' | 'postgres';

// MEKONG_TEST_DB=postgres runs every suite on PostgreSQL; useTestEngine does it for one test file.
let engine: TestEngine = process.env.MEKONG_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/** Makes the following testDatabase() and setupServices() calls of this test file use `next`. */
export function useTestEngine(next: TestEngine): void {
  engine = next;
}

export function testEngine(): TestEngine {
  return engine;
}

/** A fresh, migrated, empty database on the current engine; destroy() it when done. */
export async function testDatabase(): Promise<Kysely<Db>> {
  if (engine === 'postgres') return pgTestDatabase();
  const db = await openDatabase(':memory:');
  await migrateToLatest(db);
  return db;
}

// PostgreSQL schemas are kept for reuse between the tests of a file (see pgTestDatabase) and dropped
// after its last test; registered here, at import, so that every test file gets the hook.
afterAll(dropSpareSchemas);

export async function setupServices(overrides: Partial<ServicesOptions> = {}): Promise<TestServices> {
  const db = await testDatabase();
  const hasher = await countingHasher();
  const services = await createServices({
    db,
    tokenSecret: randomBytes(32),
    logger: silentLogger,
    hasher,
    rateLimits: { loginPerUsername: generous(), loginPerIp: generous(), registerPerIp: generous() },
    ...overrides,
  });
  return { ...services, db, hasher };
}

export interface CallOptions {
  token?: string;
  /** A value to send as JSON, or a string sent verbatim. */
  body?: unknown;
  headers?: Record<string, string>;
}

export function call(app: Hono, method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  return Promise.resolve(app.request(path, { method, headers, body }));
}

export function newDevice(name?: string) {
  return { signKey: key32(), boxKey: key32(), certificate: randomBytes(96).toString('base64url'), ...(name ? { name } : {}) };
}

export function registerBody(username: string) {
  return {
    username,
    displayName: `User ${username}`,
    loginSecret: key32(),
    identityKey: key32(),
    backup: randomBytes(200).toString('base64url'),
    device: newDevice('laptop'),
  };
}

export type Registered = RegisterResponse & { loginSecret: string; backup: string };

/** Registers `username` and returns the response plus the secrets the client kept. */
export async function registerUser(app: Hono, username: string): Promise<Registered> {
  const body = registerBody(username);
  const res = await call(app, 'POST', '/api/users/register', { body });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
  return { ...((await res.json()) as RegisterResponse), loginSecret: body.loginSecret, backup: body.backup };
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** The `{ error: { code } }` of an error answer. */
export async function errorCode(res: Response): Promise<string> {
  const body = await json<{ error?: { code?: string } }>(res);
  return body.error?.code ?? `<no error code: ${JSON.stringify(body)}>`;
}

export async function countRows(db: Kysely<Db>, table: keyof Db): Promise<number> {
  const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
