// Entry of one cluster process (`node --import tsx launch.ts`): the same environment as
// sync-server/src/main.ts, but bound to 127.0.0.1 only and with cheap password hashing, so that a
// test run stays on loopback and spends its CPU on messages.
import { type StartOptions, startMekong } from '@mekong/sync-server';

const env = process.env;
const role = (env.MEKONG_ROLE ?? 'all') as NonNullable<StartOptions['role']>;
if (!['all', 'relay', 'api'].includes(role)) {
  process.stderr.write(`cluster process: unknown role "${role}"\n`);
  process.exit(2);
}
const m = await startMekong({
  port: Number(env.PORT ?? 0),
  host: '127.0.0.1',
  role,
  dataDir: env.MEKONG_DATA_DIR ?? '.',
  logLevel: env.LOG_LEVEL ?? 'info',
  passwordHash: { opslimit: 1, memlimit: 8192 },
  ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
  ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
  ...(env.MEKONG_TOKEN_SECRET ? { tokenSecret: env.MEKONG_TOKEN_SECRET } : {}),
});
const stop = async () => {
  await m.stop().catch(() => undefined);
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
