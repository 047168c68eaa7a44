// Several relay PROCESSES appending to one conversation at once (append-worker.ts), plus throughput
// figures that are printed, not asserted.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogStore } from '../ports';
import { migrateRelay, type RelayDb } from './migrations';
import { createPgSchema, type PgSchema, SKIP_PG, SKIP_PG_REASON } from './pg-testing';
import { openPostgresRelayDb } from './postgres';
import { createSqlLogStore } from './sql';
import { openSqliteRelayDb } from './sqlite';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const WORKERS = 3;
const PER_WORKER = 300;
const SHARED = 60;

type Answer = [counter: number, seq: number, duplicate: boolean];
interface WorkerReport {
  worker: string;
  started: number;
  finished: number;
  own: Answer[];
  resends: Answer[];
  shared: Answer[];
}

function startWorker(target: string, index: number, conv: string, sharedConv: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'append-worker.ts'), target, String(index), conv, sharedConv, String(PER_WORKER), String(SHARED)],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const ready = new Promise<void>((ok, fail) => {
    const check = () => (out.includes('ready\n') ? ok() : undefined);
    child.stdout?.on('data', check);
    child.once('exit', (code) => fail(new Error(`worker ${index} exited (${code}) before it was ready: ${err}`)));
  });
  const done = new Promise<WorkerReport>((ok, fail) => {
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) fail(new Error(`worker ${index} failed (${code}): ${err}`));
      else ok(JSON.parse(line) as WorkerReport);
    });
  });
  return { ready, done, go: () => child.stdin?.end('go\n') };
}

/** Runs the workers against `target`, all released at once; checks and returns what they reported. */
async function race(target: string, store: LogStore, conv: string) {
  const sharedConv = `${conv}-shared`;
  const workers = Array.from({ length: WORKERS }, (_, i) => startWorker(target, i, conv, sharedConv));
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.go();
  const reports = await Promise.all(workers.map((w) => w.done));

  // every first append got its own seq, and together they are exactly 1..900
  const seqs = reports.flatMap((r) => r.own.map(([, seq]) => seq)).sort((a, b) => a - b);
  expect(seqs).toEqual(Array.from({ length: WORKERS * PER_WORKER }, (_, i) => i + 1));
  expect(reports.every((r) => r.own.every(([, , dup]) => !dup))).toBe(true);
  // each resend was told the seq its first append got
  for (const r of reports) {
    const first = new Map(r.own.map(([counter, seq]) => [counter, seq]));
    expect(r.resends).toHaveLength(PER_WORKER / 5);
    for (const [counter, seq, dup] of r.resends) expect([counter, seq, dup]).toEqual([counter, first.get(counter), true]);
  }
  // the log holds each envelope under the seq its writer was told, and nothing else
  const rows = await store.readAfter(conv, 0, 10_000);
  expect(rows.map((r) => r.seq)).toEqual(seqs);
  const told = new Map(reports.flatMap((r) => r.own.map(([counter, seq]) => [seq, `${r.worker}:${counter}`] as const)));
  for (const row of rows) expect(new TextDecoder().decode(row.envelope)).toBe(told.get(row.seq));
  expect(await store.head(conv)).toBe(WORKERS * PER_WORKER);

  // the same keys sent by every process at once: one winner per key, all told the same seq
  const shared = await store.readAfter(sharedConv, 0, 10_000);
  expect(shared.map((r) => r.seq)).toEqual(Array.from({ length: SHARED }, (_, i) => i + 1));
  for (let j = 0; j < SHARED; j++) {
    const answers = reports.map((r) => r.shared[j]);
    const winners = answers.filter((a) => a && !a[2]);
    expect(winners).toHaveLength(1);
    expect(new Set(answers.map((a) => a?.[1])).size).toBe(1);
  }
  const seconds = (Math.max(...reports.map((r) => r.finished)) - Math.min(...reports.map((r) => r.started))) / 1000;
  return { appendsPerSecond: Math.round((WORKERS * PER_WORKER * 1.2) / seconds), seconds };
}

/** Sequential appends from one store, one at a time. */
async function sequential(store: LogStore, conv: string, count: number) {
  const started = performance.now();
  for (let i = 0; i < count; i++) await store.append(conv, 'seq', i, new Uint8Array(200).fill(i & 0xff));
  return Math.round(count / ((performance.now() - started) / 1000));
}

const figures: string[] = [];
afterAll(() => {
  if (figures.length) console.log(`append throughput (printed, not asserted):\n  ${figures.join('\n  ')}`);
});

describe('appends from several processes: SQLite file', () => {
  it('stays gapless with 3 processes on one WAL file', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mekong-race-'));
    const file = join(dir, 'log.db');
    const db: Kysely<RelayDb> = openSqliteRelayDb(file);
    try {
      await migrateRelay(db);
      const store = createSqlLogStore(db);
      figures.push(`sqlite file, sequential: ${await sequential(store, 'seq', 1000)} appends/s`);
      const r = await race(file, store, 'room');
      figures.push(`sqlite file, ${WORKERS} processes: ${r.appendsPerSecond} appends/s (incl. 20% resends, ${r.seconds}s)`);
    } finally {
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(SKIP_PG)(`appends from several processes: PostgreSQL${SKIP_PG ? ` (${SKIP_PG_REASON})` : ''}`, () => {
  let schema: PgSchema | undefined;
  afterAll(async () => {
    await schema?.drop();
  });

  it('stays gapless with 3 processes on one conversation', { timeout: 120_000 }, async () => {
    schema = await createPgSchema();
    const s = schema;
    const db = openPostgresRelayDb(s.url);
    try {
      await s.migrating(() => migrateRelay(db));
      const store = createSqlLogStore(db);
      figures.push(`postgres, sequential: ${await sequential(store, 'seq', 1000)} appends/s`);
      const r = await race(s.url, store, 'room');
      figures.push(`postgres, ${WORKERS} processes: ${r.appendsPerSecond} appends/s (incl. 20% resends, ${r.seconds}s)`);
    } finally {
      await db.destroy();
    }
  });
});
