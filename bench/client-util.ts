// Small helpers shared by the client-side benchmarks (catch-up, cold open, crypto, document model):
// statistics, seeded test data in the Mekong message shape, and measuring work in a fresh child process.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { rng } from '../test/sim/rng';

export interface BenchOptions {
  quick: boolean;
  log?: (s: string) => void;
}

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const median = (xs: number[]): number => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : Number.NaN);
export const pct = (xs: number[], p: number): number =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]! : Number.NaN;
export const round = (x: number, digits = 2): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
export const ratio = (a: number, b: number): number => round(a / b, 3);

/** CPU milliseconds (user + system) this process has used since `from`. */
export function cpuMsSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}


const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export const randomText = (rnd: () => number, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += B64URL[Math.floor(rnd() * 64)];
  return s;
};

const WORDS = 'anh em chị ơi hôm nay đi ăn phở không mình gặp nhau lúc mấy giờ ok nhé cảm ơn bạn nhiều lắm tối nay họp trễ một chút'.split(' ');

/** A message as Mekong stores it in the conversation document: random 16-char id, author, kind, body, time, 86-char signature. */
export interface BenchMessage {
  id: string;
  author: { user: string; device: string };
  kind: 'text';
  body: string;
  sentAt: number;
  sig: string;
}

/** `n` messages between two people, in the shape of Mekong's message model, from a fixed seed. */
export function messages(n: number, seed = 7): BenchMessage[] {
  const rnd = rng(seed);
  const people = [
    { user: randomText(rnd, 16), device: randomText(rnd, 16) },
    { user: randomText(rnd, 16), device: randomText(rnd, 16) },
  ];
  const out: BenchMessage[] = [];
  let t = 1_760_000_000_000;
  for (let i = 0; i < n; i++) {
    const words = 3 + Math.floor(rnd() * 12);
    let body = '';
    for (let w = 0; w < words; w++) body += `${w ? ' ' : ''}${WORDS[Math.floor(rnd() * WORDS.length)]}`;
    t += 1 + Math.floor(rnd() * 60_000);
    out.push({ id: randomText(rnd, 16), author: people[i % 2]!, kind: 'text', body, sentAt: t, sig: randomText(rnd, 86) });
  }
  return out;
}

/**
 * Runs `node --import tsx <script> --child <args…>` (optionally pinned with taskset to `core`) and
 * returns the JSON object printed on its last stdout line. A fresh process per measurement gives
 * memory figures untouched by earlier runs, and a cold start.
 */
export function runChild<T>(script: string, args: string[], opts: { core?: number; timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<T> {
  const node = [process.execPath, ...(opts.nodeArgs ?? []), '--import', 'tsx', script, '--child', ...args];
  const [cmd, ...rest] = opts.core !== undefined && process.platform === 'linux' ? ['taskset', '-c', String(opts.core), ...node] : node;
  return new Promise((ok, fail) => {
    execFile(cmd!, rest, { cwd: repoRoot, timeout: opts.timeoutMs ?? 240_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`${script} ${args.join(' ')} failed: ${err.message}\n${stderr.slice(-2000)}`));
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        ok(JSON.parse(last) as T);
      } catch {
        fail(new Error(`${script} ${args.join(' ')} printed no result:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
      }
    });
  });
}

/** Memory of this process in MB, after a full garbage collection when `--expose-gc` is on. */
export function memoryMb(): { rss: number; heapUsed: number; external: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: round(m.rss / 1e6, 1), heapUsed: round(m.heapUsed / 1e6, 1), external: round(m.external / 1e6, 1) };
}
