// LogStore over kysely (SQLite or PostgreSQL). Each append bumps the conversation's row in
// relay_heads in the same transaction as the entry: that row lock orders appends from any number of
// relay processes, and a rollback gives the number back, so seqs stay gapless (see sql-append.ts).
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { LogStore } from '../ports';
import { isPostgres } from './engine';
import type { RelayDb } from './migrations';
import { type AppendInput, appendPostgres, type Executor, repairHead, retryCause, writeTransaction } from './sql-append';
import { postgresPoolOf } from './pg-pools';
import { createSqliteBatchAppender, sqliteHandleOf } from './sqlite-batch';

export interface SqlLogStoreOptions {
  /** Destroy the Kysely instance on close(); leave false when the database is shared with other services. */
  ownsDb?: boolean;
  now?: () => number;
}

// A retry follows only a lost race (see retryCause); each one is settled by the next attempt.
const MAX_ATTEMPTS = 10;

// Drivers return Buffers, and PostgreSQL pools may return either. Hand out plain Uint8Arrays that own
// their memory: a Buffer view can pin (and expose through .buffer) a larger shared slab.
const bytes = (b: Uint8Array): Uint8Array =>
  Object.getPrototypeOf(b) === Uint8Array.prototype && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
    ? b
    : new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const toDriver = (b: Uint8Array): Uint8Array => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

async function headIn(db: Executor, conv: string): Promise<number> {
  const row = await db.selectFrom('relay_heads').select('head').where('conv', '=', conv).executeTakeFirst();
  return Number(row?.head ?? 0);
}

/** A LogStore on a migrated database (see migrateRelay). */
export function createSqlLogStore(db: Kysely<RelayDb>, options: SqlLogStoreOptions = {}): LogStore {
  const now = options.now ?? Date.now;
  const postgres = isPostgres(db as Kysely<unknown>);
  // SQLite opened through sqliteKysely commits concurrent appends together, a file's on a worker thread (see sqlite-batch.ts)
  const handle = postgres ? undefined : sqliteHandleOf(db);
  if (!postgres && !handle) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'open a SQLite relay log through sqliteKysely() (or openSqliteRelayDb), so its appends can be committed in groups');
  }
  const batch = handle && createSqliteBatchAppender(db as Kysely<unknown>, handle, now);
  // PostgreSQL opened through postgresKysely runs the append as a prepared statement
  const pool = postgres ? postgresPoolOf(db) : undefined;
  const appendOnce = batch
    ? (_db: Executor, a: AppendInput) => batch.append(a.conv, a.device, a.counter, a.envelope)
    : (d: Kysely<RelayDb>, a: AppendInput) => appendPostgres(d, a, pool);
  let closed = false;
  const live = () => {
    if (closed) throw new MekongError(ErrorCode.UNAVAILABLE, 'the log store is closed; create a new one');
    return db;
  };

  return {
    async append(conv, device, counter, envelope) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await appendOnce(live(), { conv, device, counter, envelope: toDriver(envelope), createdAt: now() });
        } catch (err) {
          // the failed attempt was rolled back, head bump included, so no seq was used up
          const cause = retryCause(err);
          if (attempt >= MAX_ATTEMPTS || cause === undefined) throw err;
          if (cause === 'seq') await repairHead(live(), conv);
        }
      }
    },
    async readAfter(conv, after, limit) {
      const rows = await live()
        .selectFrom('relay_log')
        .select(['seq', 'envelope'])
        .where('conv', '=', conv)
        .where('seq', '>', after)
        .orderBy('seq', 'asc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ seq: Number(r.seq), envelope: bytes(r.envelope) }));
    },
    head: (conv) => headIn(live(), conv),
    putSnapshot: (conv, seq, device, envelope) =>
      writeTransaction(live(), postgres, async (trx) => {
        if (seq < 1 || seq > (await headIn(trx, conv))) return false;
        const row = { seq, device, envelope: toDriver(envelope), created_at: now() };
        // one conditional upsert, so two racing snapshots cannot move it backwards
        const res = await trx
          .insertInto('relay_snapshots')
          .values({ conv, ...row })
          .onConflict((oc) => oc.column('conv').doUpdateSet(row).where('relay_snapshots.seq', '<', seq))
          .executeTakeFirst();
        return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
      }),
    async latestSnapshot(conv) {
      const row = await live()
        .selectFrom('relay_snapshots')
        .select(['seq', 'envelope'])
        .where('conv', '=', conv)
        .executeTakeFirst();
      return row && { seq: Number(row.seq), envelope: bytes(row.envelope) };
    },
    async close() {
      if (closed) return;
      closed = true;
      // the batch in flight commits (and its appends are answered) before the writer thread stops
      await batch?.close();
      if (options.ownsDb) await db.destroy();
    },
  };
}
