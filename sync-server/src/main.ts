// Mekong in one process: the Hono services, the sync relay on /sync and the web app, on embedded
// defaults (SQLite under MEKONG_DATA_DIR, in-process fan-out). `npm start` runs this file.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createMemoryBus, createRelay, createSqlLogStore, migrateRelay, type RelayDb } from '@mekong/relay';
import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { migrateToLatest, openDatabase } from './db';
import { createPooledArgon2Hasher } from './passwords';
import { createServices, type ServicesOptions } from './services';
import { staticSite } from './static';

export interface StartOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  dataDir: string;
  /** Built web app; defaults to web/dist of this repository. */
  webDist?: string;
  logLevel?: string;
  /** Write logs to this file instead of stdout. */
  logFile?: string;
  passwordHash?: ServicesOptions['passwordHash'];
}

export interface RunningMekong {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

function tokenSecret(dataDir: string): Uint8Array {
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
  const db = await openDatabase(join(dataDir, 'mekong.db'));
  await migrateToLatest(db);
  const relayDb = db as unknown as Kysely<RelayDb>;
  await migrateRelay(relayDb);

  // password hashing runs on worker threads so logins never stall the relay on this thread
  const hasher = await createPooledArgon2Hasher(opts.passwordHash);
  const services = await createServices({
    db,
    hasher,
    tokenSecret: tokenSecret(dataDir),
    logger: logger.child({ part: 'api' }),
  });
  const relay = createRelay({
    log: createSqlLogStore(relayDb),
    directory: services.directory,
    tokens: { verify: (t) => services.tokens.verifyAccess(t) },
    bus: createMemoryBus(),
    logger: logger.child({ part: 'relay' }),
  });

  const root = new Hono();
  root.route('/', services.app);
  root.get('*', staticSite(opts.webDist ?? resolve(here, '../../web/dist')));

  const server = await new Promise<Server>((ok) => {
    const s = serve({ fetch: root.fetch, port: opts.port, hostname: opts.host ?? '0.0.0.0' }, () => ok(s as Server));
  });
  relay.attach(server, '/sync');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://localhost:${port}`;
  logger.info({ url, dataDir }, 'Mekong is running');

  return {
    url,
    port,
    async stop() {
      await relay.stop();
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections?.();
      await hasher.close();
      await db.destroy();
    },
  };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const port = Number(process.env.PORT ?? 8787);
  const dataDir = process.env.MEKONG_DATA_DIR ?? './data';
  const m = await startMekong({ port, dataDir });
  const shutdown = async () => {
    await m.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
