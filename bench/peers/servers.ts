// Server processes of the fan-out benchmarks: each script under bench/peers/ runs as a child in a
// process group of its own, pinned to one core with taskset, with its log in a temp folder. CPU and
// memory are read from /proc for that process only, so the load generator's work is never counted.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChildService, cpuSeconds, spawnService, tailOf, waitFor } from '../../test/cluster/processes';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');

/** The core the servers run on; the load generator takes the other one. */
export const SERVER_CORE = 0;
export const GENERATOR_CORE = 1;

export interface PeerServer {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  readonly logFile: string;
  /** CPU seconds (user + system, all threads) used so far. */
  cpu(): number;
  /** Resident set size now, in bytes. */
  rss(): number;
  /** Peak resident set size since the process started (VmHWM), in bytes. */
  peakRss(): number;
  stop(): Promise<void>;
}

/** Whether taskset is installed and the machine has a second core for the generator. */
export function canPin(): boolean {
  return existsSync('/usr/bin/taskset') && cpus().length > 1;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Starts `node --import tsx bench/peers/<script>` pinned to SERVER_CORE and waits for its
 * "ready <port>" line.
 */
export async function startPeerServer(name: string, script: string, dir: string, env: Record<string, string> = {}): Promise<PeerServer> {
  const logFile = join(dir, `${name}.log`);
  // BENCH_SERVER_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the servers under test
  const flags = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const node = [process.execPath, ...flags, '--import', 'tsx', join(here, script)];
  const pinned = canPin();
  const child: ChildService = spawnService({
    name,
    command: pinned ? 'taskset' : node[0]!,
    args: pinned ? ['-c', String(SERVER_CORE), ...node] : node.slice(1),
    cwd: repoRoot,
    env: { ...process.env, ...env },
    logFile,
  });
  let port = 0;
  await waitFor(
    () => {
      if (child.pid === undefined) throw new Error(`${name} exited while starting:\n${tailOf(logFile)}`);
      const m = existsSync(logFile) ? readFileSync(logFile, 'utf8').match(/^ready (\d+)$/m) : null;
      if (m) port = Number(m[1]);
      return port > 0;
    },
    60_000,
    `${name} to start (log: ${logFile})`,
  );
  const pid = child.pid!;
  return {
    name,
    port,
    pid,
    logFile,
    cpu: () => cpuSeconds(pid) ?? 0,
    rss: () => statusKb(pid, 'VmRSS'),
    peakRss: () => statusKb(pid, 'VmHWM'),
    async stop() {
      const timer = setTimeout(() => void child.kill('SIGKILL'), 3000);
      await child.kill('SIGTERM').finally(() => clearTimeout(timer));
    },
  };
}

/** CPU and memory readings of a process started elsewhere (a cluster relay); stop() leaves it alone. */
export function watchProcess(name: string, pid: () => number | undefined): PeerServer {
  return {
    name,
    port: 0,
    pid: pid() ?? 0,
    logFile: '',
    cpu: () => cpuSeconds(pid()) ?? 0,
    rss: () => statusKb(pid() ?? 0, 'VmRSS'),
    peakRss: () => statusKb(pid() ?? 0, 'VmHWM'),
    stop: async () => {},
  };
}

/** Pins every thread of `pid` to `core` (taskset -acp); a no-op where taskset is missing. */
export function pinProcess(pid: number, core: number): void {
  if (canPin()) spawnSync('taskset', ['-acp', String(core), String(pid)]);
}

/** Pins this process (the load generator) to GENERATOR_CORE; the returned function restores its affinity. */
export function pinGenerator(): () => void {
  if (!canPin()) return () => {};
  const before = spawnSync('taskset', ['-p', String(process.pid)]).stdout?.toString().match(/:\s*([0-9a-f]+)\s*$/i)?.[1];
  pinProcess(process.pid, GENERATOR_CORE);
  return () => {
    if (before) spawnSync('taskset', ['-ap', before, String(process.pid)]);
  };
}

/** Samples the RSS of some processes every 50 ms; `stop()` gives the highest sum seen. */
export function sampleRss(servers: PeerServer[]): { stop(): number } {
  let peak = servers.reduce((s, p) => s + p.rss(), 0);
  const timer = setInterval(() => {
    peak = Math.max(peak, servers.reduce((s, p) => s + p.rss(), 0));
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, servers.reduce((s, p) => s + p.rss(), 0));
    },
  };
}
