// Child process for the fan-out benchmarks: one Mekong process (API + relay, durable SQLite log with
// synchronous=FULL, in-process fan-out unless REDIS_URL is set) on 127.0.0.1:$PORT. Registration
// limits per address are lifted so the benchmark can create a thousand accounts from one address.
// The relay's per-connection frame rate (300/s by default, far above what a person types) is raised
// to MEKONG_FRAMES_PER_SECOND when set: a benchmark sender pushes thousands of messages a second on
// one connection, which a deployment would only allow for a trusted bot. Other relay limits stay.
import { startMekong } from '@mekong/sync-server';

const env = process.env;
const open = { take: async () => ({ allowed: true as const }) };
const m = await startMekong({
  port: Number(env.PORT ?? 0),
  host: '127.0.0.1',
  role: 'all',
  dataDir: env.MEKONG_DATA_DIR ?? '.',
  logLevel: env.LOG_LEVEL ?? 'warn',
  passwordHash: { opslimit: 1, memlimit: 8192 },
  rateLimits: { registerPerIp: open, loginPerIp: open, loginPerUsername: open },
  ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
  ...(env.MEKONG_FRAMES_PER_SECOND
    ? { relayLimits: { framesPerSecond: Number(env.MEKONG_FRAMES_PER_SECOND), burst: 2 * Number(env.MEKONG_FRAMES_PER_SECOND) } }
    : {}),
});
process.stdout.write(`ready ${m.port}\n`);
const stop = async () => {
  await m.stop().catch(() => undefined);
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
