// CPU profiles of the cluster processes of the scale-out benchmarks. Node 20 refuses --cpu-prof in
// NODE_OPTIONS and test/cluster starts its processes without extra flags, so when
// BENCH_SERVER_NODE_FLAGS asks for --cpu-prof (as it does for bench/peers/servers.ts) this puts a
// small preload in NODE_OPTIONS instead: it starts the V8 sampling profiler through node:inspector
// in the process's main thread (at SIGUSR2, so start-up stays out) and writes
// `<role>-<port>-<pid>.cpuprofile` into the --cpu-prof-dir folder when the process exits.
import { resolve } from 'node:path';

// plain JavaScript, given as a data: URL: the preload also reaches worker threads, where tsx is not
// loaded, and there it must do nothing
const PRELOAD = `
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { isMainThread } from 'node:worker_threads';
const dir = process.env.MEKONG_CPU_PROF_DIR;
if (dir && isMainThread) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (running) return;
    running = true;
    session.post('Profiler.enable', () => session.post('Profiler.start'));
  });
  process.once('exit', () => {
    if (!running) return;
    // an in-thread inspector session answers synchronously, so this still runs inside 'exit'
    session.post('Profiler.stop', (err, result) => {
      if (err || !result) return;
      const name = (process.env.MEKONG_ROLE ?? 'process') + '-' + (process.env.PORT ?? '') + '-' + process.pid;
      writeFileSync(dir + '/' + name + '.cpuprofile', JSON.stringify(result.profile));
    });
  });
}
`;

/**
 * Makes the node processes this process starts from now on profile themselves (see the header) when
 * BENCH_SERVER_NODE_FLAGS holds --cpu-prof; returns the profile folder, or undefined when not asked.
 * @example if (profileClusterProcesses()) startProfiles(cluster.relays.map((r) => r.pid));
 */
export function profileClusterProcesses(): string | undefined {
  const flags = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  if (!flags.includes('--cpu-prof')) return undefined;
  const dir = resolve(flags.find((f) => f.startsWith('--cpu-prof-dir='))?.slice('--cpu-prof-dir='.length) ?? '.');
  process.env.MEKONG_CPU_PROF_DIR = dir;
  const preload = `--import=data:text/javascript;base64,${Buffer.from(PRELOAD).toString('base64')}`;
  const current = process.env.NODE_OPTIONS ?? '';
  if (!current.includes(preload)) process.env.NODE_OPTIONS = `${current} ${preload}`.trim();
  return dir;
}

/** Starts the profiles of the given processes (started after profileClusterProcesses()). */
export function startProfiles(pids: Array<number | undefined>): void {
  for (const pid of pids) {
    if (!pid) continue;
    try {
      process.kill(pid, 'SIGUSR2');
    } catch {
      // the process is gone; nothing to profile
    }
  }
}
