// Composes the Hono services (accounts, conversations, key envelopes) into one app with health
// probes, and hands the relay what it needs: the token verifier and the membership directory.
import { createMemoryPresence, type PresenceStore, type TokenVerifier } from '@mekong/relay';
import { Hono } from 'hono';
import { type Kysely, sql } from 'kysely';
import { type Logger, pino } from 'pino';
import { type AccountLimits, createAccountsApp } from './accounts';
import { createConversationsApp, createKeysApp } from './conversations';
import type { Db } from './db';
import type { ServiceDeps } from './deps';
import { createDirectory, type Directory } from './directory';
import { createGroupsApp } from './groups';
import { createSessionTokenVerifier, type RevocationPublisher } from './revocation';
import { type BlobStore, createDiskBlobStore, createMediaApp, createMemoryBlobStore, type MediaLimits } from './media';
import { type ClientIp, clientIpFrom, createErrorHandler, LARGE_BODY_LIMIT, limitBody, notFound, requestLog } from './http';
import { type Argon2Limits, createArgon2Hasher, type PasswordHasher } from './passwords';
import { createPresenceApp } from './presence';
import { createMemoryRateLimiter } from './rate-limit';
import { createSocialApp } from './social';
import { createTokenService, type TokenService } from './tokens';

const MINUTE = 60_000;
const DEFAULT_REFRESH_TTL_SECONDS = 30 * 24 * 3600;

export interface ServicesOptions {
  /** A migrated database (see migrateToLatest). */
  db: Kysely<Db>;
  /** At least 32 random bytes; every relay verifying access tokens needs the same. */
  tokenSecret: Uint8Array;
  logger?: Logger;
  /** Argon2id cost of login-secret hashes; libsodium's interactive limits by default. */
  passwordHash?: Argon2Limits;
  /** Replaces the Argon2id hasher altogether (tests count calls through it). */
  hasher?: PasswordHasher;
  /** Defaults: 10 logins / minute per username, 30 / minute per IP, 10 registrations / minute per IP. */
  rateLimits?: Partial<AccountLimits>;
  /** How to find the client address for rate limits; the socket address by default. */
  clientIp?: ClientIp;
  accessTtlSeconds?: number;
  /** A session ends after this long without a refresh; 30 days by default. */
  refreshTtlSeconds?: number;
  /** Clock in milliseconds. */
  now?: () => number;
  /** Called after a group is disbanded, e.g. to purge its relay history. */
  onDisband?: (groupId: string) => Promise<void>;
  /** Where sign-outs, group departures and blocks are announced to the relays (see @mekong/relay revocations). */
  revocations?: RevocationPublisher;
  /** Where encrypted media is kept; default: a disk store in `mediaDir`, or memory when neither is given (tests). */
  blobs?: BlobStore;
  /** Folder of the default disk blob store. */
  mediaDir?: string;
  /** Upload size limit and default per-user quota; 100 MiB and 1 GiB by default. */
  mediaLimits?: Partial<MediaLimits>;
  /** Who is connected to a relay: what GET /api/presence reads; the relays write it. Default: a new in-memory store. */
  presence?: PresenceStore;
}

export interface Services {
  app: Hono;
  tokens: TokenService;
  directory: Directory;
  /** What relays authenticate sockets with: the access token, its session still open, its user not banned. */
  relayTokens: TokenVerifier;
  /** The presence store the API reads; give the same one to the relays (createRelay's `presence`). */
  presence: PresenceStore;
}

export async function createServices(opts: ServicesOptions): Promise<Services> {
  const logger = opts.logger ?? pino({ name: 'sync-server' });
  const now = opts.now ?? Date.now;
  const tokens = createTokenService({ secret: opts.tokenSecret, accessTtlSeconds: opts.accessTtlSeconds, now });
  const deps: ServiceDeps = {
    db: opts.db,
    tokens,
    sessions: { now, refreshTtlMs: (opts.refreshTtlSeconds ?? DEFAULT_REFRESH_TTL_SECONDS) * 1000 },
    logger,
    ...(opts.revocations ? { revocations: opts.revocations } : {}),
  };
  const perMinute = (attempts: number) => createMemoryRateLimiter({ attempts, windowMs: MINUTE, now });
  const limits: AccountLimits = {
    loginPerUsername: opts.rateLimits?.loginPerUsername ?? perMinute(10),
    loginPerIp: opts.rateLimits?.loginPerIp ?? perMinute(30),
    registerPerIp: opts.rateLimits?.registerPerIp ?? perMinute(10),
  };
  const hasher = opts.hasher ?? (await createArgon2Hasher(opts.passwordHash));

  const app = new Hono();
  app.onError(createErrorHandler(logger));
  app.notFound(notFound);
  app.use('*', requestLog(logger));
  // Outer bound for every API route; each route sets its own, usually smaller, limit. Media
  // uploads stream past it under their own limit (this middleware would buffer them).
  const outerLimit = limitBody(LARGE_BODY_LIMIT);
  app.use('/api/*', (c, next) => (c.req.path === '/api/media' || c.req.path.startsWith('/api/media/') ? next() : outerLimit(c, next)));

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', async (c) => {
    try {
      await sql`select 1`.execute(opts.db);
      return c.json({ ok: true });
    } catch (err) {
      logger.warn({ err }, 'database not ready');
      return c.json({ ok: false }, 503);
    }
  });

  app.route('/api/users', createAccountsApp({ ...deps, hasher, limits, clientIp: opts.clientIp ?? clientIpFrom() }));
  app.route('/api/conversations', createConversationsApp(deps));
  app.route('/api/keys', createKeysApp(deps));
  app.route('/api', createSocialApp(deps));
  app.route('/api/groups', createGroupsApp({ ...deps, ...(opts.onDisband ? { onDisband: opts.onDisband } : {}) }));
  const blobs = opts.blobs ?? (opts.mediaDir ? createDiskBlobStore(opts.mediaDir) : createMemoryBlobStore());
  app.route('/api/media', createMediaApp({ ...deps, blobs, ...(opts.mediaLimits ? { limits: opts.mediaLimits } : {}) }));
  const presence = opts.presence ?? createMemoryPresence({ now });
  app.route('/api/presence', createPresenceApp({ ...deps, presence }));

  return { app, tokens, directory: createDirectory(opts.db), relayTokens: createSessionTokenVerifier(deps), presence };
}
