// A Mekong process for the capacity benchmark, started by bench/capacity.ts over an IPC channel:
// the real startMekong (role, database, Redis and token secret from the environment, as in
// sync-server/src/main.ts), on loopback, with cheap password hashing and no registration rate limit
// so that thousands of accounts can be set up in seconds. Relay limits are the product's defaults.
import { startMekong } from '@mekong/sync-server';
import { serveControl } from './control';

const env = process.env;
const role = (env.MEKONG_ROLE ?? 'all') as 'all' | 'relay' | 'api';
const open = { take: async () => ({ allowed: true as const }) };
const m = await startMekong({
  port: 0,
  host: '127.0.0.1',
  role,
  dataDir: env.MEKONG_DATA_DIR ?? '.',
  logLevel: env.LOG_LEVEL ?? 'warn',
  passwordHash: { opslimit: 1, memlimit: 8192 },
  rateLimits: { registerPerIp: open, loginPerIp: open, loginPerUsername: open },
  ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
  ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
  ...(env.MEKONG_TOKEN_SECRET ? { tokenSecret: env.MEKONG_TOKEN_SECRET } : {}),
  // idle sockets are closed by the benchmark; nothing to drain
  drainTimeoutMs: 1000,
});
serveControl(m.port, () => m.stop());
