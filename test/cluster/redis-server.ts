// A redis-server of the cluster run's own, on a free loopback port with no persistence, so that
// killing and restarting it never disturbs the machine's shared Redis.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { type ChildService, freePort, spawnService, waitFor } from './processes';

export const REDIS_SERVER = process.env.MEKONG_REDIS_SERVER ?? '/usr/bin/redis-server';

export interface PrivateRedisServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  readonly logFile: string;
  /** SIGKILL: every connection drops and, with no persistence, every subscription is forgotten. */
  kill(): Promise<void>;
  /** Starts it again on the same port and waits until it answers PING. */
  start(): Promise<void>;
}

/** Answers whether something on `port` replies +PONG to PING within a second. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** Starts redis-server in `dir` (its working directory; nothing is saved there). */
export async function startRedisServer(dir: string): Promise<PrivateRedisServer> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`redis-server not found at ${REDIS_SERVER}; install redis or set MEKONG_REDIS_SERVER`);
  const port = await freePort();
  const logFile = join(dir, 'redis.log');
  let child: ChildService | undefined;
  const start = async () => {
    child = spawnService({
      name: 'redis',
      command: REDIS_SERVER,
      args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
      logFile,
    });
    await waitFor(() => pong(port), 10_000, `redis-server on port ${port} (log: ${logFile})`);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    logFile,
    get pid() {
      return child?.pid;
    },
    kill: async () => {
      await child?.kill('SIGKILL');
    },
    start,
  };
}
