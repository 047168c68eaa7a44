// Group commit for the SQLite log. Appends that arrive while the event loop is busy are written
// together in one transaction, so one fsync (synchronous=FULL) acknowledges all of them instead of
// one each. For a file, a worker thread with its own connection commits the batches
// (sqlite-writer-thread.ts): the fsync then blocks that thread, not the relay's event loop, which
// forms the next batch meanwhile. A ':memory:' database cannot be opened by a second connection, so
// its batches are committed here, on the handle Kysely uses, inside Kysely's connection lock. Both
// run the same algorithm (sqlite-append.mjs).
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { AppendResult } from './sql-append';
import { type Append, createBatchWriter, MAX_BATCH, type Outcome } from './sqlite-append.mjs';
import { startWriterThread } from './sqlite-writer-thread';

const handles = new WeakMap<object, Database.Database>();

/**
 * A Kysely instance on a better-sqlite3 handle that the log can also use directly for group commit.
 * Open every SQLite database that may hold the relay log through this.
 * @example const db = sqliteKysely<RelayDb>(new Database('relay.db'));
 */
export function sqliteKysely<T>(database: Database.Database): Kysely<T> {
  const db = new Kysely<T>({ dialect: new SqliteDialect({ database }) });
  handles.set(db, database);
  return db;
}

/** The better-sqlite3 handle behind a Kysely instance made by sqliteKysely, if any. */
export function sqliteHandleOf(db: object): Database.Database | undefined {
  return handles.get(db);
}

interface Pending extends Append {
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

export interface BatchAppender {
  append(conv: string, device: string, counter: number, envelope: Uint8Array): Promise<AppendResult>;
  /** Commits what is queued and in flight, then stops the writer thread; later appends reject UNAVAILABLE. */
  close(): Promise<void>;
  /** The writer thread now running: undefined on the main-thread path and before the first batch. For tests. */
  readonly writerThread: Worker | undefined;
}

export interface BatchAppenderOptions {
  /**
   * Where batches are committed: 'worker' (the default for a file) or 'main' (always for ':memory:',
   * which a second connection cannot open).
   */
  writer?: 'worker' | 'main';
}

/**
 * Appends queued in one turn of the event loop are committed together (at most MAX_BATCH at once),
 * one batch at a time, so seqs are handed out in call order; while one batch commits, the next
 * accumulates. An append resolves once its transaction committed; one that fails rejects alone (see
 * createBatchWriter), and a batch that failed whole (commit, or a lock held past the busy timeout,
 * which sql.ts retries) rejects all of its appends.
 */
export function createSqliteBatchAppender(
  db: Kysely<unknown>,
  database: Database.Database,
  now: () => number,
  options: BatchAppenderOptions = {},
): BatchAppender {
  // a URI filename ('file:…') is left on this thread: its options may not mean the same to a second open
  const onThread = options.writer !== 'main' && !database.memory && !database.name.startsWith('file:');
  const thread = onThread ? startWriterThread(database) : undefined;
  let write: ReturnType<typeof createBatchWriter> | undefined;
  const commit = (batch: readonly Append[], createdAt: number): Promise<Outcome[]> => {
    if (thread) return thread.commit(batch, createdAt);
    write ??= createBatchWriter(database);
    const w = write;
    // Kysely's connection lock: no other transaction of this process is open on the handle meanwhile
    return db.connection().execute(async () => w(batch, createdAt));
  };

  let queue: Pending[] = [];
  let scheduled = false;
  let writing = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  let drained: Array<() => void> = [];
  const idle = () => !writing && !scheduled && queue.length === 0;

  const flush = async (): Promise<void> => {
    scheduled = false;
    if (writing || queue.length === 0) return settleIdle();
    writing = true;
    const batch = queue.length > MAX_BATCH ? queue.splice(0, MAX_BATCH) : queue;
    if (batch === queue) queue = [];
    try {
      const outcomes = await commit(batch, now());
      outcomes.forEach((o, i) => {
        if ('ok' in o) batch[i]!.resolve(o.ok);
        else batch[i]!.reject(o.err);
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      writing = false;
      if (queue.length > 0) schedule();
      settleIdle();
    }
  };

  const settleIdle = () => {
    if (!idle() || drained.length === 0) return;
    const waiting = drained;
    drained = [];
    for (const done of waiting) done();
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => void flush());
  };

  return {
    append(conv, device, counter, envelope) {
      if (closed) return Promise.reject(new MekongError(ErrorCode.UNAVAILABLE, 'the log store is closed; create a new one'));
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ conv, device, counter, envelope, resolve, reject });
        schedule();
      });
    },
    close() {
      closed = true;
      closing ??= (async () => {
        if (!idle()) await new Promise<void>((done) => drained.push(done));
        await thread?.close();
      })();
      return closing;
    },
    get writerThread() {
      return thread?.worker;
    },
  };
}
