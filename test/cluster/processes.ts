// Child processes of a cluster run: each in a process group of its own (so a kill reaches
// everything it started), output to a log file, and killed when this process exits, whatever
// happened, so a failed or interrupted run leaves no orphans behind.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface ChildService {
  readonly name: string;
  readonly logFile: string;
  /** pid of the current process, undefined once it has exited. */
  readonly pid: number | undefined;
  /** Sends `signal` to the whole process group and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr are appended here. */
  logFile: string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

/** SIGKILLs every child still running; runs by itself when this process exits. */
export function killAllChildren(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
}

/** Starts a child process in its own process group, with output going to `logFile`. */
export function spawnService(opts: SpawnOptions): ChildService {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killAllChildren);
  }
  const out = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.command, opts.args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', out, out], detached: true });
  } finally {
    closeSync(out);
  }
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
    child.once('error', () => {
      live.delete(child);
      resolve();
    });
  });
  return {
    name: opts.name,
    logFile: opts.logFile,
    get pid() {
      return child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      killGroup(child, signal);
      await exited;
    },
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The last `lines` lines of a log file, or a note that it is missing. */
export function tailOf(file: string, lines = 40): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
}

/** Polls `check` every 50 ms until it resolves true; throws `what` after `timeoutMs`, or what `check` throws. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let ticksPerSecond: number | undefined;

/**
 * CPU time (user + system, all threads) a live process has used so far, in seconds, from
 * /proc/<pid>/stat; undefined when the process is gone or /proc is not there.
 */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // fields after "(comm)": state is field 3, utime 14 and stime 15 (1-based, man 5 proc)
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;
  return (utime + stime) / ticksPerSecond;
}
