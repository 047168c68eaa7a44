// Mekong in one process: the Hono services, the sync relay on /sync and the web app, on embedded
// defaults (SQLite under MEKONG_DATA_DIR, in-process fan-out). `npm start` runs this file.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import {
  createMemoryBus,
  createMemoryRevocations,
  createRedisBus,
  createRedisPresence,
  createRedisRevocations,
  createRelay,
  createSqlLogStore,
  DEFAULT_DRAIN_TIMEOUT_MS,
  type FanoutBus,
  migrateRelay,
  parseTrustProxy,
  type RelayDb,
  type RelayLimits,
  RelayMetrics,
  TRUST_NO_PROXY,
  type TrustProxy,
} from '@mekong/relay';
import { Redis } from 'ioredis';
import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { migrateToLatest, openDatabase } from './db';
import { purgeRelayHistory } from './groups';
import { createDiskBlobStore, createS3BlobStore, type S3BlobStoreOptions, s3OptionsFromEnv } from './media';
import { createProcessMetrics } from './metrics';
import { createPooledArgon2Hasher } from './passwords';
import { createRedisRateLimiter } from './rate-limit';
import { clientIpFrom, createErrorHandler, notFound } from './http';
import { createServices, type ServicesOptions } from './services';
import { staticSite } from './static';

export type Role = 'all' | 'relay' | 'api';

export interface StartOptions {
  /** 0 picks a free port. */
  port: number;
  /** `all` (default): API, relay and web app; `relay`: only /sync; `api`: API and web app. */
  role?: Role;
  /** A postgres:// URL for the cluster configuration; default: SQLite under dataDir. */
  databaseUrl?: string;
  /** redis:// URL for fan-out and rate limits across processes; default: in-process. */
  redisUrl?: string;
  /** Shared secret for access tokens (≥ 32 bytes, hex or base64); default: a file in dataDir. */
  tokenSecret?: string;
  /** The listen address; default 0.0.0.0 (every IPv4 interface). */
  host?: string;
  dataDir: string;
  /** Built web app; defaults to web/dist of this repository. */
  webDist?: string;
  logLevel?: string;
  /** Write logs to this file instead of stdout. */
  logFile?: string;
  passwordHash?: ServicesOptions['passwordHash'];
  /** Replace the account rate limiters (benchmarks that register many accounts from one address). */
  rateLimits?: ServicesOptions['rateLimits'];
  /** Keep encrypted media in this S3 bucket; default: files under `<dataDir>/media`. */
  s3?: S3BlobStoreOptions;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`; otherwise it is open (internal network only). */
  metricsToken?: string;
  /** How long stop() lets the relay's connections finish their frames before closing them anyway. Default 10 s. */
  drainTimeoutMs?: number;
  /** Override the relay's per-connection limits (frames per second and the like; see DEFAULT_LIMITS). */
  relayLimits?: Partial<RelayLimits>;
  /**
   * How long an idle HTTP keep-alive connection stays open. Default 65 s: longer than clients keep
   * sockets pooled and than load balancers' idle timeouts, so the server is never the side that
   * closes a socket a client is about to reuse.
   */
  keepAliveTimeoutMs?: number;
  /**
   * Proxies trusted to name the client in X-Forwarded-For, for the API's per-IP rate limits and the
   * relay's per-IP accounting (see parseTrustProxy; TRUST_PROXY). Default: nobody.
   */
  trustProxy?: TrustProxy;
}

/** Default of StartOptions.keepAliveTimeoutMs. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface RunningMekong {
  url: string;
  port: number;
  /**
   * Graceful drain, then shutdown: /readyz answers 503 at once, the relay refuses new sockets,
   * finishes the frame each connection is handling and closes every socket with 1012 (clients
   * reconnect at once, elsewhere); HTTP requests in flight get the rest of the drain time.
   * Idempotent.
   */
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

function tokenSecret(dataDir: string, configured?: string): Uint8Array {
  if (configured) {
    const bytes = /^[0-9a-f]+$/i.test(configured) ? Buffer.from(configured, 'hex') : Buffer.from(configured, 'base64');
    if (bytes.length < 32) throw new Error('MEKONG_TOKEN_SECRET must hold at least 32 bytes (64 hex digits)');
    return new Uint8Array(bytes);
  }
  const file = join(dataDir, 'token-secret');
  try {
    const s = readFileSync(file);
    if (s.length >= 32) return new Uint8Array(s);
  } catch {
    /* first start */
  }
  const s = randomBytes(32);
  writeFileSync(file, s, { mode: 0o600 });
  return new Uint8Array(s);
}

/**
 * Start every part of Mekong in this process.
 * @example
 * const m = await startMekong({ port: 8787, dataDir: './data' });
 * console.log(m.url); // http://localhost:8787
 */
export async function startMekong(opts: StartOptions): Promise<RunningMekong> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const level = opts.logLevel ?? process.env.LOG_LEVEL ?? 'info';
  const logger = opts.logFile
    ? pino({ name: 'mekong', level }, pino.destination({ dest: opts.logFile, sync: true }))
    : pino({ name: 'mekong', level });
  const role = opts.role ?? 'all';
  const db = await openDatabase(opts.databaseUrl ?? join(dataDir, 'mekong.db'), {
    onPoolError: (err) => logger.warn({ err: err.message }, 'database connection dropped'),
  });
  await migrateToLatest(db);
  const relayDb = db as unknown as Kysely<RelayDb>;
  await migrateRelay(relayDb);

  const redis = opts.redisUrl ? new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 2000, lazyConnect: false }) : undefined;
  redis?.on('error', (err) => logger.warn({ err: err.message }, 'redis unavailable'));
  const minute = 60_000;
  const rateLimits = redis && {
    loginPerUsername: createRedisRateLimiter({ redis, attempts: 10, windowMs: minute, prefix: 'mekong:rl:login-user:' }),
    loginPerIp: createRedisRateLimiter({ redis, attempts: 30, windowMs: minute, prefix: 'mekong:rl:login-ip:' }),
    registerPerIp: createRedisRateLimiter({ redis, attempts: 10, windowMs: minute, prefix: 'mekong:rl:register-ip:' }),
  };

  // password hashing runs on worker threads so logins never stall the relay on this thread; they
  // start on the first sign-in, so a relay-only process never starts them
  const hasher = await createPooledArgon2Hasher(opts.passwordHash);
  const metrics = createProcessMetrics(opts.metricsToken ? { token: opts.metricsToken } : {});
  metrics.watchHasher(hasher);
  // sign-outs, bans and removals reach every relay: through Redis in a cluster, in process otherwise
  const revocations = opts.redisUrl ? createRedisRevocations({ url: opts.redisUrl, logger: logger.child({ part: 'revocation' }) }) : createMemoryRevocations();
  const blobs = opts.s3 ? createS3BlobStore(opts.s3) : createDiskBlobStore(join(dataDir, 'media'));
  // who is online: relays write it, the API reads it; in Redis when there is a cluster to share it with
  const presence = opts.redisUrl ? createRedisPresence({ url: opts.redisUrl, logger: logger.child({ part: 'presence' }) }) : undefined;
  const trustProxy = opts.trustProxy ?? TRUST_NO_PROXY;
  const services = await createServices({
    db,
    hasher,
    clientIp: clientIpFrom({ trustProxy }),
    blobs,
    revocations,
    ...(presence ? { presence } : {}),
    tokenSecret: tokenSecret(dataDir, opts.tokenSecret),
    logger: logger.child({ part: 'api' }),
    ...(rateLimits || opts.rateLimits ? { rateLimits: { ...rateLimits, ...opts.rateLimits } } : {}),
    // a disbanded group's encrypted history leaves the relay log too
    onDisband: (id) => purgeRelayHistory(relayDb, id),
  });
  const bus: FanoutBus = opts.redisUrl ? createRedisBus({ url: opts.redisUrl, logger: logger.child({ part: 'fanout' }) }) : createMemoryBus();
  const relay =
    role === 'api'
      ? undefined
      : createRelay({
          log: createSqlLogStore(relayDb),
          directory: services.directory,
          tokens: services.relayTokens,
          bus,
          revocations,
          presence: services.presence,
          logger: logger.child({ part: 'relay' }),
          metrics: new RelayMetrics(metrics.registry),
          ...(opts.relayLimits ? { limits: opts.relayLimits } : {}),
          // the relay reads the client address by the same rule as the API's rate limits
          trustProxy,
        });

  const root = new Hono();
  // unmatched paths and methods answer in the API's typed vocabulary, not the framework's plain text
  root.notFound(notFound);
  root.onError(createErrorHandler(logger));
  let draining = false;
  root.use('*', metrics.http);
  // from the first moment of a drain, load balancers must stop sending new clients here
  root.use('/readyz', async (c, next) => (draining ? c.json({ ok: false, draining: true }, 503) : next()));
  root.get('/metrics', metrics.endpoint);
  if (role === 'relay') {
    root.get('/healthz', (c) => c.json({ ok: true }));
    root.get('/readyz', () => services.app.request('/readyz'));
  } else {
    root.route('/', services.app);
    const site = staticSite(opts.webDist ?? resolve(here, '../../web/dist'));
    // the web app's client-side routes never shadow the API: an unknown /api path is a typed 404
    root.get('*', (c) => {
      const path = c.req.path.replace(/\/{2,}/g, '/'); // `//api//x` is an API path too
      return path === '/api' || path.startsWith('/api/') ? notFound(c) : site(c);
    });
  }

  const server = await new Promise<Server>((ok) => {
    const s = serve({ fetch: root.fetch, port: opts.port, hostname: opts.host ?? '0.0.0.0' }, () => ok(s as Server));
  });
  // Keep idle HTTP connections open longer than clients keep them pooled (fetch: 4 s), so a client
  // never sends a request on a socket the server is closing at that moment (a busy machine's late
  // timers made that race real); load balancers in front use shorter idle timeouts anyway.
  server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = server.keepAliveTimeout + 1000;
  relay?.attach(server, '/sync');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://localhost:${port}`;
  logger.info({ url, role, database: opts.databaseUrl ? 'postgres' : 'sqlite', fanout: opts.redisUrl ? 'redis' : 'in-process', media: opts.s3 ? 's3' : 'disk' }, 'Mekong is running');

  const drainTimeoutMs = opts.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    stop() {
      stopping ??= (async () => {
        draining = true;
        const deadline = Date.now() + drainTimeoutMs;
        logger.info({ drainTimeoutMs }, 'draining');
        await relay?.stop({ timeoutMs: drainTimeoutMs });
        // HTTP requests in flight get what is left of the drain time; idle keep-alive sockets go now
        const closed = new Promise<void>((ok) => server.close(() => ok()));
        server.closeIdleConnections();
        const cut = setTimeout(() => server.closeAllConnections(), Math.max(0, deadline - Date.now()));
        await closed;
        clearTimeout(cut);
        await bus.close().catch(() => {});
        await revocations.close().catch(() => {});
        await services.presence.close().catch(() => {});
        await redis?.quit().catch(() => {});
        await hasher.close();
        await blobs.close().catch(() => {});
        await db.destroy();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const port = Number(process.env.PORT ?? 8787);
  const dataDir = process.env.MEKONG_DATA_DIR ?? './data';
  const roleArg = process.argv.indexOf('--role');
  const role = (roleArg > 0 ? process.argv[roleArg + 1] : process.env.MEKONG_ROLE ?? 'all') as Role;
  if (!['all', 'relay', 'api'].includes(role)) {
    process.stderr.write(`mekong: unknown role "${role}"; use all, relay or api\n`);
    process.exit(2);
  }
  const env = process.env;
  const drainTimeoutMs = Number(env.MEKONG_DRAIN_TIMEOUT_MS ?? DEFAULT_DRAIN_TIMEOUT_MS);
  if (!Number.isSafeInteger(drainTimeoutMs) || drainTimeoutMs < 0) {
    process.stderr.write(`mekong: MEKONG_DRAIN_TIMEOUT_MS must be a whole number of milliseconds, got "${env.MEKONG_DRAIN_TIMEOUT_MS}"\n`);
    process.exit(2);
  }
  let s3: S3BlobStoreOptions | undefined;
  try {
    s3 = s3OptionsFromEnv(env);
  } catch (err) {
    process.stderr.write(`mekong: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  let trustProxy: TrustProxy;
  try {
    trustProxy = parseTrustProxy(env.TRUST_PROXY);
  } catch (err) {
    process.stderr.write(`mekong: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const m = await startMekong({
    port,
    ...(env.HOST ? { host: env.HOST } : {}),
    dataDir,
    role,
    trustProxy,
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    ...(env.MEKONG_TOKEN_SECRET ? { tokenSecret: env.MEKONG_TOKEN_SECRET } : {}),
    ...(s3 ? { s3 } : {}),
    ...(env.MEKONG_METRICS_TOKEN ? { metricsToken: env.MEKONG_METRICS_TOKEN } : {}),
    drainTimeoutMs,
  });
  // the first signal drains (see stop()); a second one, or a drain that hangs past its time plus a
  // margin for closing the database, ends the process at once
  let signalled = false;
  const shutdown = (signal: NodeJS.Signals) => {
    const code = 128 + (signal === 'SIGINT' ? 2 : 15);
    if (signalled) process.exit(code);
    signalled = true;
    setTimeout(() => process.exit(code), drainTimeoutMs + 5000).unref();
    m.stop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`mekong: shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
