// Child processes of the capacity benchmark: Node scripts run through tsx with the open-files soft
// limit raised to the hard limit, pinned to one core with taskset, optionally with --expose-gc,
// talking to the benchmark over an IPC channel. Each runs in a process group of its own and is
// killed when the benchmark exits, whatever happened.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const live = new Set<ChildProcess>();
let hooked = false;

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export interface Child<Req, Ev> {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  send(req: Req): void;
  /** The next event that `match` accepts; rejects when the process exits first or after `timeoutMs`. */
  next<E extends Ev>(match: (e: Ev) => e is E, timeoutMs: number): Promise<E>;
  /** Every event, as it comes (progress reports). */
  onEvent(fn: (e: Ev) => void): void;
  /** Open-files limit (soft) the process runs with. */
  openFilesLimit(): number;
  /** SIGTERM, then SIGKILL to the group after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface ChildOptions {
  name: string;
  /** Script path relative to the repository root. */
  script: string;
  /** Core to pin it to (taskset -c); none when undefined. */
  cpu?: number;
  exposeGc?: boolean;
  /** More node options, e.g. --cpu-prof for a look at where set-up time goes. */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  logFile: string;
}

/** Starts a child and waits for its first event (ready), which it returns with the child. */
export async function startChild<Req, Ev extends { type: string }>(opts: ChildOptions, timeoutMs = 60_000): Promise<{ child: Child<Req, Ev>; ready: Ev }> {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of live) killGroup(c);
    });
  }
  const node = [process.execPath, ...(opts.exposeGc ? ['--expose-gc'] : []), ...(opts.nodeArgs ?? []), '--import', 'tsx', opts.script].map((a) => `'${a}'`).join(' ');
  const pin = opts.cpu === undefined ? '' : `taskset -c ${opts.cpu} `;
  // the soft limit on open files is raised to the hard one: each socket is a file
  const command = `ulimit -Sn "$(ulimit -Hn)"; exec ${pin}${node}`;
  const out = openSync(opts.logFile, 'a');
  let proc: ChildProcess;
  try {
    proc = spawn('bash', ['-c', command], { cwd: repoRoot, env: { ...process.env, ...opts.env }, stdio: ['ignore', out, out, 'ipc'], detached: true });
  } finally {
    closeSync(out);
  }
  live.add(proc);
  const listeners = new Set<(e: Ev) => void>();
  proc.on('message', (m) => {
    for (const l of [...listeners]) l(m as Ev);
  });
  let exited = false;
  const gone = new Promise<void>((r) =>
    proc.once('exit', () => {
      exited = true;
      live.delete(proc);
      r();
    }),
  );
  const tail = () => {
    try {
      return readFileSync(opts.logFile, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  };
  const child: Child<Req, Ev> = {
    name: opts.name,
    get pid() {
      return proc.pid ?? 0;
    },
    logFile: opts.logFile,
    send: (req) => {
      if (!exited) proc.send(req as object);
    },
    next<E extends Ev>(match: (e: Ev) => e is E, ms: number) {
      return new Promise<E>((resolve, reject) => {
        const done = () => {
          listeners.delete(listener);
          clearTimeout(timer);
        };
        const listener = (e: Ev) => {
          if (!match(e)) return;
          done();
          resolve(e);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${opts.name}: no answer within ${ms} ms\n${tail()}`));
        }, ms);
        listeners.add(listener);
        gone.then(() => {
          if (!listeners.has(listener)) return;
          done();
          reject(new Error(`${opts.name} exited (log ${opts.logFile}):\n${tail()}`));
        });
      });
    },
    onEvent: (fn) => listeners.add(fn),
    openFilesLimit() {
      try {
        const limits = readFileSync(`/proc/${proc.pid}/limits`, 'utf8');
        return Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? 0);
      } catch {
        return 0;
      }
    },
    async stop(graceMs = 3000) {
      if (exited) return;
      try {
        process.kill(-(proc.pid ?? 0), 'SIGTERM');
      } catch {
        // gone
      }
      const t = setTimeout(() => killGroup(proc), graceMs);
      await gone;
      clearTimeout(t);
    },
  };
  const ready = await child.next((e): e is Ev => true, timeoutMs);
  return { child, ready };
}
