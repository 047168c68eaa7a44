// Group commit on a SQLite FILE, where a worker thread commits the batches: same answers as on the
// main thread (order, resends, one failing append, a lock held past the busy timeout), the relay's
// event loop keeps running while a batch commits, and the thread's life (close, a crash, process exit)
// never leaves an append unanswered or the process hanging.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isMekongError } from '@mekong/schema';
import Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogStore } from '../ports';
import { migrateRelay, type RelayDb } from './migrations';
import { createSqlLogStore } from './sql';
import { openSqliteRelayDb } from './sqlite';
import { createSqliteBatchAppender, sqliteHandleOf } from './sqlite-batch';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const env = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

/** A migrated log in a fresh temp file, its main handle at synchronous=FULL. */
async function openFileDb(): Promise<{ db: Kysely<RelayDb>; handle: Database.Database; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'mekong-writer-'));
  const file = join(dir, 'log.db');
  const db = openSqliteRelayDb(file);
  cleanups.push(async () => {
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  });
  await migrateRelay(db);
  const handle = sqliteHandleOf(db)!;
  handle.pragma('synchronous = FULL');
  return { db, handle, file };
}

/** A store on a fresh file log; closed after the test. */
async function openFileLog(): Promise<{ handle: Database.Database; file: string; store: LogStore }> {
  const { db, handle, file } = await openFileDb();
  const store = createSqlLogStore(db);
  cleanups.push(() => store.close());
  return { handle, file, store };
}

describe('SQLite file log: batches committed on the writer thread', () => {
  it('gives the appends of one turn, across conversations, gapless seqs in call order, readable once answered', async () => {
    const { store } = await openFileLog();
    const convs = ['a', 'b', 'c'];
    // more than one batch (512) in one turn
    const calls = Array.from({ length: 1200 }, (_, i) => ({ conv: convs[i % 3]!, counter: i, body: `m${i}` }));
    const results = await Promise.all(calls.map((c) => store.append(c.conv, 'd1', c.counter, env(c.body))));
    for (const conv of convs) {
      const mine = calls.flatMap((c, i) => (c.conv === conv ? [{ ...c, ...results[i]! }] : []));
      expect(mine.map((m) => m.seq)).toEqual(mine.map((_, i) => i + 1));
      expect(mine.every((m) => !m.duplicate)).toBe(true);
      // the main thread's connection sees every answered append
      const rows = await store.readAfter(conv, 0, 1000);
      expect(rows.map((r) => [r.seq, text(r.envelope)])).toEqual(mine.map((m) => [m.seq, m.body]));
      expect(await store.head(conv)).toBe(400);
    }
  });

  it('answers a resend with the first seq, in the same batch and in a later one, and stores it once', async () => {
    const { store } = await openFileLog();
    const [a, b, c] = await Promise.all([store.append('room', 'd1', 7, env('first')), store.append('room', 'd2', 1, env('other')), store.append('room', 'd1', 7, env('resent'))]);
    expect([a, b, c]).toEqual([
      { seq: 1, duplicate: false },
      { seq: 2, duplicate: false },
      { seq: 1, duplicate: true },
    ]);
    expect(await store.append('room', 'd1', 7, env('resent later'))).toEqual({ seq: 1, duplicate: true });
    expect(await store.append('room', 'd1', 8, env('next'))).toEqual({ seq: 3, duplicate: false });
    expect((await store.readAfter('room', 0, 10)).map((e) => text(e.envelope))).toEqual(['first', 'other', 'next']);
  });

  it('rejects only the append that failed on the writer thread, with the driver’s error; the rest of its batch commits', async () => {
    const { store, handle } = await openFileLog();
    await store.append('room', 'd1', 0, env('warm'));
    // created through the main connection while the writer thread already holds prepared statements
    handle.exec(`create trigger refuse after insert on relay_log when new.device = 'marked' begin select raise(abort, 'refused by the test'); end;`);
    const settled = await Promise.allSettled([
      store.append('room', 'd1', 1, env('m1')),
      store.append('room', 'marked', 1, env('bad')),
      store.append('other', 'd1', 1, env('o1')),
      store.append('room', 'd1', 2, env('m2')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const reason = (settled[1] as PromiseRejectedResult).reason;
    // rebuilt on the main thread as the driver's own error, with its code
    expect(reason).toBeInstanceOf(Database.SqliteError);
    expect(reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_TRIGGER', message: 'refused by the test' });
    expect(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.seq] : []))).toEqual([2, 1, 3]);
    expect((await store.readAfter('room', 0, 10)).map((e) => text(e.envelope))).toEqual(['warm', 'm1', 'm2']);
    expect(await store.head('room')).toBe(3);
  });

  it('retries a batch whose lock stayed taken past the busy timeout, so the append still succeeds', { timeout: 30_000 }, async () => {
    const { store, handle } = await openFileLog();
    await store.append('room', 'd1', 0, env('warm'));
    // another writer holds the lock longer than the writer thread waits (5 s): its first attempt
    // fails with SQLITE_BUSY, which only counts as 'transient' if the code survived the thread hop
    handle.exec('begin immediate');
    const released = new Promise<void>((done) =>
      setTimeout(() => {
        handle.exec('rollback');
        done();
      }, 5_600),
    );
    const result = await store.append('room', 'd1', 1, env('after the lock'));
    await released;
    expect(result).toEqual({ seq: 2, duplicate: false });
    expect((await store.readAfter('room', 1, 10)).map((e) => text(e.envelope))).toEqual(['after the lock']);
  });

  it('keeps the event loop running while a batch commits (synchronous=FULL)', async () => {
    const { store } = await openFileLog();
    await store.append('room', 'd1', 0, env('warm')); // the writer thread is up
    const big = new Uint8Array(16 * 1024).fill(7);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      // one batch of 512 x 16 KB. Committed on the main thread, at most one timer phase would pass
      // (the one before the batch is flushed) until it is answered: the commit would block the loop.
      const before = ticks;
      const results = await Promise.all(Array.from({ length: 512 }, (_, i) => store.append('room', 'd1', i + 1, big)));
      const during = ticks - before;
      expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 512 }, (_, i) => i + 2));
      expect(during).toBeGreaterThanOrEqual(2);
    } finally {
      clearInterval(timer);
    }
  });
});

describe('SQLite file log: the writer thread’s life', () => {
  it('close() waits for the batch in flight and what is queued, then later appends reject UNAVAILABLE', async () => {
    const { store, file } = await openFileLog();
    await store.append('room', 'd1', 0, env('warm'));
    const big = new Uint8Array(16 * 1024).fill(1);
    let answered = 0;
    const count = (r: { seq: number }) => {
      answered++;
      return r.seq;
    };
    const inFlight = Array.from({ length: 512 }, (_, i) => store.append('room', 'd1', i + 1, big).then(count));
    await new Promise((done) => setImmediate(done)); // the batch is on its way to the writer thread
    const queued = store.append('room', 'd1', 513, env('queued behind it')).then(count);
    await store.close();
    expect(answered).toBe(513);
    expect(await Promise.all([...inFlight, queued])).toEqual(Array.from({ length: 513 }, (_, i) => i + 2));
    const late = await store.append('room', 'd1', 514, env('late')).catch((err: unknown) => err);
    expect(isMekongError(late, ErrorCode.UNAVAILABLE)).toBe(true);
    // committed for good: another connection reads every answered append
    const check = new Database(file, { readonly: true });
    expect(check.prepare('select count(*) as n, max(seq) as top from relay_log').get()).toEqual({ n: 514, top: 514 });
    check.close();
  });

  it('stops its thread on close()', async () => {
    const { db, handle } = await openFileDb();
    const appender = createSqliteBatchAppender(db as Kysely<unknown>, handle, Date.now);
    expect(appender.writerThread).toBeUndefined(); // started by the first batch, not before
    await appender.append('room', 'd1', 1, env('m1'));
    const thread = appender.writerThread!;
    const exited = once(thread, 'exit');
    await appender.close();
    await exited;
    expect(appender.writerThread).toBeUndefined();
    await expect(appender.append('room', 'd1', 2, env('m2'))).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });

  it('rejects the appends in flight with UNAVAILABLE when the thread dies, restarts it once, then refuses clearly', async () => {
    const { db, handle } = await openFileDb();
    const appender = createSqliteBatchAppender(db as Kysely<unknown>, handle, Date.now);
    cleanups.push(() => appender.close());
    await appender.append('room', 'd1', 1, env('m1'));
    // the main connection holds the write lock, so the thread's batch waits in BEGIN IMMEDIATE until
    // the thread is stopped; then the lock is let go and the thread dies without committing
    const killInFlight = async (counters: number[]) => {
      const thread = appender.writerThread!;
      handle.exec('begin immediate');
      const pending = counters.map((c) => appender.append('room', 'd1', c, env(`m${c}`)).catch((err: unknown) => err));
      await new Promise((done) => setTimeout(done, 50)); // the batch has been sent
      const stopped = thread.terminate();
      handle.exec('rollback');
      await stopped;
      return Promise.all(pending);
    };

    const lost = await killInFlight([2, 3, 4]);
    for (const err of lost) {
      expect(isMekongError(err, ErrorCode.UNAVAILABLE)).toBe(true);
      expect((err as Error).message).toMatch(/log writer stopped/);
    }
    // nothing of that batch was stored, and the dead thread's lock and transaction are gone
    expect(handle.prepare('select max(seq) as top from relay_log').get()).toEqual({ top: 1 });
    // a new thread takes over: the resent appends get the next seqs
    const first = appender.writerThread;
    expect(await appender.append('room', 'd1', 2, env('m2'))).toEqual({ seq: 2, duplicate: false });
    expect(appender.writerThread).toBeDefined();
    expect(appender.writerThread).not.toBe(first);

    const lostAgain = await killInFlight([3]);
    expect(isMekongError(lostAgain[0], ErrorCode.UNAVAILABLE)).toBe(true);
    // a second stop is not papered over: appends are refused, with an error that says why
    const refused = await appender.append('room', 'd1', 3, env('m3')).catch((err: unknown) => err);
    expect(isMekongError(refused, ErrorCode.UNAVAILABLE)).toBe(true);
    expect((refused as Error).message).toMatch(/stopped 2 times.*restarted/);
  });

  it('rejects with UNAVAILABLE, never hangs, when the thread cannot open the file', async () => {
    const { db, handle, file } = await openFileDb();
    const appender = createSqliteBatchAppender(db as Kysely<unknown>, handle, Date.now);
    cleanups.push(() => appender.close());
    // the main connection keeps the unlinked file; the thread, started by the first batch, finds none
    await rm(file);
    const first = await appender.append('room', 'd1', 1, env('m1')).catch((err: unknown) => err);
    expect(isMekongError(first, ErrorCode.UNAVAILABLE)).toBe(true);
    expect((first as Error).message).toMatch(/log writer stopped \(.*open/);
    // the one restart fails the same way; after it, appends are refused at once
    const second = await appender.append('room', 'd1', 1, env('m1')).catch((err: unknown) => err);
    expect(isMekongError(second, ErrorCode.UNAVAILABLE)).toBe(true);
    const third = await appender.append('room', 'd1', 1, env('m1')).catch((err: unknown) => err);
    expect((third as Error).message).toMatch(/stopped 2 times/);
    expect(appender.writerThread).toBeUndefined();
  });

  // A relay process must end when its work is done: after close(), with an idle writer thread that
  // was never closed, and once an append still in flight when the script ends has been answered.
  it.each(['close', 'idle', 'pending'])('lets the process exit (%s)', { timeout: 30_000 }, async (mode) => {
    const dir = await mkdtemp(join(tmpdir(), 'mekong-writer-exit-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'log.db');
    const script = `
      import { openSqliteLogStore } from './relay/src/log/sqlite.ts';
      const [file, mode] = process.argv.slice(1);
      const store = await openSqliteLogStore(file);
      const first = await store.append('room', 'p', 1, new Uint8Array([1]));
      const second = store.append('room', 'p', 2, new Uint8Array([2]));
      if (mode === 'close') await store.close();
      if (mode === 'idle') await second;
      second.then((r) => process.stdout.write(JSON.stringify([first, r]) + '\\n'));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file, mode], { cwd: repoRoot });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const hung = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(hung);
    expect({ code, signal, err }).toEqual({ code: 0, signal: null, err: '' });
    expect(JSON.parse(out)).toEqual([
      { seq: 1, duplicate: false },
      { seq: 2, duplicate: false },
    ]);
  });
});
