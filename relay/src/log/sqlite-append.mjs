// @ts-check
// How a batch of appends is written to the SQLite log: the one algorithm, run on the main thread for
// ':memory:' databases (sqlite-batch.ts) and on the writer thread for files (sqlite-writer.mjs).
// Plain JavaScript with JSDoc types (checked by tsc through // @ts-check) because a worker thread
// loads it without the TypeScript loader that tsx or vitest give the main thread.
import { retryCause } from './retry-cause.mjs';

/** @typedef {import('better-sqlite3').Database} Database */
/** @typedef {{ conv: string; device: string; counter: number; envelope: Uint8Array }} Append */
/** @typedef {{ seq: number; duplicate: boolean }} AppendResult */
/** @typedef {{ ok: AppendResult } | { err: unknown }} Outcome */
/** @typedef {(batch: readonly Append[], createdAt: number) => Outcome[]} WriteBatch */

/** Most appends written in one transaction; the rest wait for the next one. */
export const MAX_BATCH = 512;

/**
 * Writes a batch in one transaction and answers each append in order. When one of them fails, the
 * batch is rolled back and written again with each append in its own savepoint: the failing one
 * gets its error alone (a head that lags the log is repaired and the append retried once) and the
 * others commit. A failed commit, or the write lock staying taken past the busy timeout, throws for
 * the whole batch, none of which is then stored, so no seq is used up.
 * @param {Database} database a connection to a migrated log (statements are prepared on first use)
 * @returns {WriteBatch}
 */
export function createBatchWriter(database) {
  /** @type {ReturnType<typeof prepare> | undefined} */
  let statements;
  // prepared on first use: the tables exist only once the log is migrated
  const stmts = () => {
    statements ??= prepare(database);
    return statements;
  };

  /** @type {(a: Append, createdAt: number) => AppendResult} */
  const appendOne = (a, createdAt) => {
    const s = stmts();
    const existing = /** @type {{ seq: number } | undefined} */ (s.dedup.get(a.conv, a.device, a.counter));
    if (existing) return { seq: Number(existing.seq), duplicate: true };
    const { head } = /** @type {{ head: number }} */ (s.bump.get(a.conv));
    s.insert.run(a.conv, head, a.device, a.counter, a.envelope, createdAt);
    return { seq: Number(head), duplicate: false };
  };

  /**
   * Every append in one transaction, no savepoints: the common case, when none of them fails. Inside
   * the write lock the head of each conversation is read once and counted on here, and an append is
   * one insert that does nothing for a resend (found by the dedup key, then answered with its seq).
   * @type {WriteBatch}
   */
  const together = (batch, createdAt) => {
    const s = stmts();
    /** @type {Map<string, { head: number; read: number }>} */
    const heads = new Map();
    const outcomes = batch.map((a) => {
      let h = heads.get(a.conv);
      if (!h) {
        const row = /** @type {{ head: number } | undefined} */ (s.head.get(a.conv));
        const head = Number(row?.head ?? 0);
        h = { head, read: head };
        heads.set(a.conv, h);
      }
      const seq = h.head + 1;
      if (s.insertNew.run(a.conv, seq, a.device, a.counter, a.envelope, createdAt).changes === 1) {
        h.head = seq;
        return { ok: { seq, duplicate: false } };
      }
      const existing = /** @type {{ seq: number }} */ (s.dedup.get(a.conv, a.device, a.counter));
      return { ok: { seq: Number(existing.seq), duplicate: true } };
    });
    for (const [conv, h] of heads) if (h.head !== h.read) s.setHead.run(conv, h.head);
    return outcomes;
  };

  /**
   * Each append in its own savepoint, so one that fails rejects alone and the others commit.
   * @type {WriteBatch}
   */
  const apart = (batch, createdAt) => {
    const s = stmts();
    /** @type {Outcome[]} */
    const outcomes = [];
    for (const a of batch) {
      try {
        outcomes.push({ ok: savepoint(a, createdAt) });
      } catch (err) {
        if (retryCause(err) !== 'seq') {
          outcomes.push({ err });
          continue;
        }
        // the head row lags the log (rows written by an older relay): raise it and try once more
        s.repair.run(a.conv, a.conv);
        try {
          outcomes.push({ ok: savepoint(a, createdAt) });
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

  return (batch, createdAt) => {
    try {
      return runTogether(batch, createdAt);
    } catch (err) {
      // the write lock stayed taken past the busy timeout: the whole batch is tried again later
      if (retryCause(err) === 'transient') throw err;
      // rolled back whole; again one by one, to find the failing append and keep the rest
      return runApart(batch, createdAt);
    }
  };
}

/** @param {Database} database */
function prepare(database) {
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
