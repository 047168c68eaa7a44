// @ts-check
// Which failed appends are worth trying again, for every engine and thread. Plain JavaScript because
// the SQLite writer thread (sqlite-writer.mjs) runs it too, and a worker thread gets no TypeScript
// loader; sql-append.ts re-exports it for the TypeScript side.

/**
 * Why an append failed, when trying again can fix it:
 * - 'dedup': an append of the same (conv, device, counter) committed after our check; a retry finds it.
 * - 'seq': the head row lags the log (rows from an older relay that still used max(seq) + 1).
 * - 'transient': a SQLite file shared with another connection stayed locked past the busy timeout, or
 *   PostgreSQL gave up on a serialization or deadlock conflict (only under a stricter isolation level
 *   than the default READ COMMITTED, or beside other writers: appends alone lock one row each).
 * Only `code` (and, for PostgreSQL, `constraint`) is read, so an error rebuilt from those fields after
 * crossing a thread is classified like the original.
 * @param {unknown} err
 * @returns {'dedup' | 'seq' | 'transient' | undefined}
 */
export function retryCause(err) {
  const e = /** @type {{ code?: unknown; constraint?: unknown } | null | undefined} */ (err);
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === '23505' && e?.constraint === 'relay_log_dedup') return 'dedup';
  if (code === '23505' && e?.constraint === 'relay_log_pk') return 'seq';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') return 'dedup';
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'seq';
  if (code.startsWith('SQLITE_BUSY') || code === '40001' || code === '40P01') return 'transient';
  return undefined;
}
