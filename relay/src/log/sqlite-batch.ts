// Group commit for the SQLite log. Appends that arrive while the event loop is busy are written
// together in one transaction, so one fsync (synchronous=FULL) acknowledges all of them instead of
// one each. The statements run on the same better-sqlite3 handle Kysely uses, inside Kysely's
// connection lock, so a batch never interleaves with another transaction on that handle.
import type Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { AppendResult } from './sql-append';
import { retryCause } from './sql-append';

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

/** Most appends written in one transaction; the rest wait for the next one. */
const MAX_BATCH = 512;

interface Pending {
  conv: string;
  device: string;
  counter: number;
  envelope: Uint8Array;
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

type Outcome = { ok: AppendResult } | { err: unknown };

export interface BatchAppender {
  append(conv: string, device: string, counter: number, envelope: Uint8Array): Promise<AppendResult>;
}

/**
 * Appends queued in one turn of the event loop are committed together (at most MAX_BATCH at once).
 * When one of them fails, the batch is rolled back and written again with each append in its own
 * savepoint: the failing one rejects alone (a head that lags the log is repaired and the append
 * retried once) and the others commit. A failed commit rejects the whole batch, none of which is
 * then stored, so no seq is used up.
 */
export function createSqliteBatchAppender(db: Kysely<unknown>, database: Database.Database, now: () => number): BatchAppender {
  let statements: ReturnType<typeof prepare> | undefined;
  // prepared on first use: the tables exist only once the log is migrated
  const stmts = () => {
    statements ??= prepare(database);
    return statements;
  };
  let queue: Pending[] = [];
  let scheduled = false;
  let writing = false;

  const appendOne = (p: Pending, createdAt: number): AppendResult => {
    const s = stmts();
    const existing = s.dedup.get(p.conv, p.device, p.counter) as { seq: number } | undefined;
    if (existing) return { seq: Number(existing.seq), duplicate: true };
    const { head } = s.bump.get(p.conv) as { head: number };
    s.insert.run(p.conv, head, p.device, p.counter, p.envelope, createdAt);
    return { seq: Number(head), duplicate: false };
  };

  /**
   * Every append in one transaction, no savepoints: the common case, when none of them fails. Inside
   * the write lock the head of each conversation is read once and counted on here, and an append is
   * one insert that does nothing for a resend (found by the dedup key, then answered with its seq).
   */
  const together = (batch: Pending[], createdAt: number): Outcome[] => {
    const s = stmts();
    const heads = new Map<string, { head: number; read: number }>();
    const outcomes = batch.map((p): Outcome => {
      let h = heads.get(p.conv);
      if (!h) {
        const row = s.head.get(p.conv) as { head: number } | undefined;
        const head = Number(row?.head ?? 0);
        h = { head, read: head };
        heads.set(p.conv, h);
      }
      const seq = h.head + 1;
      if (s.insertNew.run(p.conv, seq, p.device, p.counter, p.envelope, createdAt).changes === 1) {
        h.head = seq;
        return { ok: { seq, duplicate: false } };
      }
      const existing = s.dedup.get(p.conv, p.device, p.counter) as { seq: number };
      return { ok: { seq: Number(existing.seq), duplicate: true } };
    });
    for (const [conv, h] of heads) if (h.head !== h.read) s.setHead.run(conv, h.head);
    return outcomes;
  };

  /** Each append in its own savepoint, so one that fails rejects alone and the others commit. */
  const apart = (batch: Pending[], createdAt: number): Outcome[] => {
    const s = stmts();
    const outcomes: Outcome[] = [];
    const one = (p: Pending) => savepoint(p, createdAt);
    for (const p of batch) {
      try {
        outcomes.push({ ok: one(p) });
      } catch (err) {
        if (retryCause(err) !== 'seq') {
          outcomes.push({ err });
          continue;
        }
        // the head row lags the log (rows written by an older relay): raise it and try once more
        s.repair.run(p.conv, p.conv);
        try {
          outcomes.push({ ok: one(p) });
        } catch (again) {
          outcomes.push({ err: again });
        }
      }
    }
    return outcomes;
  };

  // transaction wrappers made once (making one per batch cost about 4 µs); nested, one is a savepoint
  const runTogether = database.transaction(together).immediate;
  const runApart = database.transaction(apart).immediate;
  const savepoint = database.transaction(appendOne);

  const run = (batch: Pending[]): Outcome[] => {
    const createdAt = now();
    try {
      return runTogether(batch, createdAt);
    } catch (err) {
      // the write lock stayed taken past the busy timeout: the whole batch is tried again later
      if (retryCause(err) === 'transient') throw err;
      // rolled back whole; again one by one, to find the failing append and keep the rest
      return runApart(batch, createdAt);
    }
  };

  const flush = async (): Promise<void> => {
    scheduled = false;
    if (writing || queue.length === 0) return;
    writing = true;
    const batch = queue.length > MAX_BATCH ? queue.splice(0, MAX_BATCH) : queue;
    if (batch === queue) queue = [];
    try {
      // Kysely's connection lock: no other transaction of this process is open on the handle meanwhile
      const outcomes = await db.connection().execute(async () => run(batch));
      outcomes.forEach((o, i) => {
        if ('ok' in o) batch[i]!.resolve(o.ok);
        else batch[i]!.reject(o.err);
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      writing = false;
      if (queue.length > 0) schedule();
    }
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => void flush());
  };

  return {
    append(conv, device, counter, envelope) {
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ conv, device, counter, envelope, resolve, reject });
        schedule();
      });
    },
  };
}

function prepare(database: Database.Database) {
  return {
    dedup: database.prepare('select seq from relay_log where conv = ? and device = ? and counter = ?'),
    bump: database.prepare(
      'insert into relay_heads (conv, head) values (?, 1) on conflict (conv) do update set head = relay_heads.head + 1 returning head',
    ),
    insert: database.prepare('insert into relay_log (conv, seq, device, counter, envelope, created_at) values (?, ?, ?, ?, ?, ?)'),
    insertNew: database.prepare(
      'insert into relay_log (conv, seq, device, counter, envelope, created_at) values (?, ?, ?, ?, ?, ?) on conflict (conv, device, counter) do nothing',
    ),
    head: database.prepare('select head from relay_heads where conv = ?'),
    setHead: database.prepare('insert into relay_heads (conv, head) values (?, ?) on conflict (conv) do update set head = excluded.head'),
    repair: database.prepare('update relay_heads set head = max(head, coalesce((select max(seq) from relay_log where conv = ?), 0)) where conv = ?'),
  };
}
