// A Mekong cluster on this machine, loopback only: its own redis-server, a PostgreSQL schema of its
// own, one API process and N relay processes, each a real child process on its own port.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClusterSchema, createClusterSchema } from './postgres';
import { type ChildService, cpuSeconds, freePort, spawnService, tailOf, waitFor } from './processes';
import { type PrivateRedisServer, startRedisServer } from './redis-server';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const LAUNCH = join(here, 'launch.ts');

export interface ClusterOptions {
  /** Relay processes; 3 by default. */
  relays?: number;
  /** pino level of the processes; 'warn' by default. */
  logLevel?: string;
  /** How long a process may take to answer /readyz; 30 s by default. */
  startTimeoutMs?: number;
}

/** One Mekong process of the cluster; its pid changes when it is restarted. */
export interface ClusterProcess {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly logFile: string;
  readonly pid: number | undefined;
  /** Signals the process group (SIGKILL by default) and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and waits until it is ready; `env` adds variables for this start only. */
  start(env?: Record<string, string>): Promise<void>;
}

/** CPU seconds used so far, including processes that were killed since. */
export interface ClusterCpu {
  relays: number;
  api: number;
  redis: number;
}

export interface Cluster {
  readonly dir: string;
  readonly api: ClusterProcess;
  readonly relays: ClusterProcess[];
  readonly redis: PrivateRedisServer;
  readonly schema: ClusterSchema;
  /** SIGKILLs Redis, waits `pauseMs`, starts it again on the same port. */
  restartRedis(pauseMs?: number): Promise<void>;
  cpu(): ClusterCpu;
  /** The last lines of every process's log, for a failure report. */
  logs(lines?: number): string;
  /** Stops everything (SIGTERM, then SIGKILL), drops the schema and removes the temp folder. */
  stop(): Promise<void>;
}

/**
 * Start a cluster: Redis, the schema, the API process (which migrates), then the relays.
 * @example
 * const cluster = await startCluster({ relays: 3 });
 * try { ... cluster.relays[1].kill(); await cluster.relays[1].start(); } finally { await cluster.stop(); }
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mekong-cluster-'));
  const started: Array<{ kill(s?: NodeJS.Signals): Promise<void> }> = [];
  let schema: ClusterSchema | undefined;
  const cpuOfGone = { relays: 0, api: 0, redis: 0 };
  try {
    const redis = await startRedisServer(dir);
    started.push(redis);
    schema = await createClusterSchema();
    const s = schema;
    const shared = {
      DATABASE_URL: schema.url,
      REDIS_URL: redis.url,
      MEKONG_TOKEN_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: options.logLevel ?? 'warn',
    };
    const timeout = options.startTimeoutMs ?? 30_000;

    const processOf = async (name: string, role: 'api' | 'relay'): Promise<ClusterProcess> => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const dataDir = join(dir, name);
      mkdirSync(dataDir, { recursive: true });
      const logFile = join(dir, `${name}.log`);
      const kind = role === 'api' ? 'api' : 'relays';
      let child: ChildService | undefined;
      const p: ClusterProcess = {
        name,
        url,
        port,
        logFile,
        get pid() {
          return child?.pid;
        },
        async kill(signal: NodeJS.Signals = 'SIGKILL') {
          cpuOfGone[kind] += cpuSeconds(child?.pid) ?? 0;
          await child?.kill(signal);
        },
        async start(extraEnv: Record<string, string> = {}) {
          await s.migrating(async () => {
            child = spawnService({
              name,
              command: process.execPath,
              args: ['--import', 'tsx', LAUNCH],
              cwd: repoRoot,
              env: { ...process.env, ...shared, PORT: String(port), MEKONG_DATA_DIR: dataDir, MEKONG_ROLE: role, ...extraEnv },
              logFile,
            });
            const c = child;
            await waitFor(
              async () => {
                if (c.pid === undefined) throw new Error(`${name} exited while starting:\n${tailOf(logFile)}`);
                return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok ?? false;
              },
              timeout,
              `${name} to answer ${url}/readyz (log: ${logFile})`,
            );
          });
        },
      };
      started.push(p);
      return p;
    };

    const api = await processOf('api', 'api');
    await api.start(); // migrates the schema before any relay starts
    const relays = await Promise.all(Array.from({ length: options.relays ?? 3 }, (_, i) => processOf(`relay-${i + 1}`, 'relay')));
    await Promise.all(relays.map((r) => r.start()));

    const all = [api, ...relays];
    return {
      dir,
      api,
      relays,
      redis,
      schema,
      async restartRedis(pauseMs = 500) {
        cpuOfGone.redis += cpuSeconds(redis.pid) ?? 0;
        await redis.kill();
        await new Promise((r) => setTimeout(r, pauseMs));
        await redis.start();
      },
      cpu() {
        return {
          relays: cpuOfGone.relays + relays.reduce((sum, r) => sum + (cpuSeconds(r.pid) ?? 0), 0),
          api: cpuOfGone.api + (cpuSeconds(api.pid) ?? 0),
          redis: cpuOfGone.redis + (cpuSeconds(redis.pid) ?? 0),
        };
      },
      logs(lines = 40) {
        return [...all.map((p) => `--- ${p.name} (${p.logFile})\n${tailOf(p.logFile, lines)}`), `--- redis (${redis.logFile})\n${tailOf(redis.logFile, 10)}`].join('\n');
      },
      async stop() {
        await stopAll(started, schema, dir);
      },
    };
  } catch (err) {
    await stopAll(started, schema, dir, false);
    throw err;
  }
}

async function stopAll(started: Array<{ kill(s?: NodeJS.Signals): Promise<void> }>, schema: ClusterSchema | undefined, dir: string, removeDir = true): Promise<void> {
  // a polite SIGTERM first, so processes close their pools; SIGKILL whatever is still there after 3 s
  await Promise.all(
    started.map(async (p) => {
      const timer = setTimeout(() => void p.kill('SIGKILL'), 3000);
      await p.kill('SIGTERM').finally(() => clearTimeout(timer));
    }),
  );
  await schema?.drop().catch(() => undefined);
  // keep the logs of a failed start for the report
  if (removeDir) rmSync(dir, { recursive: true, force: true });
}
