// LogStore over kysely (SQLite or PostgreSQL). Each append bumps the conversation's row in
// relay_heads inside its transaction; that row lock orders appends across relay processes, and a
// rollback gives the number back, so seqs stay gapless.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Kysely, Transaction } from 'kysely';
import type { LogStore } from '../ports';
import type { RelayDb } from './migrations';

export interface SqlLogStoreOptions {
  /** Destroy the Kysely instance on close(); leave false when the database is shared with other services. */
  ownsDb?: boolean;
  now?: () => number;
}

type Executor = Kysely<RelayDb> | Transaction<RelayDb>;
type AppendResult = { seq: number; duplicate: boolean };

// A retry happens only after a race (see classify); a handful settles any of them.
const MAX_ATTEMPTS = 10;

/**
 * Why an append transaction failed, when a retry can fix it:
 * - 'dedup': another append of the same (conv, device, counter) committed after our check; re-reading finds it.
 * - 'seq': the head row lags the log (rows written by an older relay that still used max(seq) + 1).
 * - 'busy': SQLite shared with another process, which wrote after our transaction's first read.
 */
function classify(err: unknown): 'dedup' | 'seq' | 'busy' | undefined {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === '23505' && e?.constraint === 'relay_log_dedup') return 'dedup';
  if (code === '23505' && e?.constraint === 'relay_log_pk') return 'seq';
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'seq';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') return 'dedup';
  if (code.startsWith('SQLITE_BUSY')) return 'busy';
  return undefined;
}

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

function findSeq(db: Executor, conv: string, device: string, counter: number) {
  return db
    .selectFrom('relay_log')
    .select('seq')
    .where('conv', '=', conv)
    .where('device', '=', device)
    .where('counter', '=', counter)
    .executeTakeFirst();
}

/** Raises the head to the log's highest seq, after a writer that bypassed relay_heads. */
async function repairHead(db: Executor, conv: string): Promise<void> {
  const row = await db
    .selectFrom('relay_log')
    .select((eb) => eb.fn.max('seq').as('top'))
    .where('conv', '=', conv)
    .executeTakeFirst();
  const top = Number(row?.top ?? 0);
  await db.updateTable('relay_heads').set({ head: top }).where('conv', '=', conv).where('head', '<', top).execute();
}

/** A LogStore on a migrated database (see migrateRelay). */
export function createSqlLogStore(db: Kysely<RelayDb>, options: SqlLogStoreOptions = {}): LogStore {
  const now = options.now ?? Date.now;
  let closed = false;
  const live = () => {
    if (closed) throw new MekongError(ErrorCode.UNAVAILABLE, 'the log store is closed; create a new one');
    return db;
  };

  const appendOnce = (conv: string, device: string, counter: number, envelope: Uint8Array) =>
    live()
      .transaction()
      .execute(async (trx): Promise<AppendResult> => {
        // A resend is answered before the head is touched, so it neither waits on the lock nor uses a number.
        const existing = await findSeq(trx, conv, device, counter);
        if (existing) return { seq: Number(existing.seq), duplicate: true };
        const { head } = await trx
          .insertInto('relay_heads')
          .values({ conv, head: 1 })
          .onConflict((oc) => oc.column('conv').doUpdateSet({ head: (eb) => eb('relay_heads.head', '+', 1) }))
          .returning('head')
          .executeTakeFirstOrThrow();
        const seq = Number(head);
        await trx
          .insertInto('relay_log')
          .values({ conv, seq, device, counter, envelope: toDriver(envelope), created_at: now() })
          .execute();
        return { seq, duplicate: false };
      });

  return {
    async append(conv, device, counter, envelope) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await appendOnce(conv, device, counter, envelope);
        } catch (err) {
          // the failed transaction was rolled back, head bump included, so no seq was used up
          const cause = classify(err);
          if (attempt >= MAX_ATTEMPTS || cause === undefined) throw err;
          if (cause === 'seq') await repairHead(live(), conv);
          if (cause === 'busy') await new Promise((ok) => setTimeout(ok, attempt * Math.random() * 5));
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
      live()
        .transaction()
        .execute(async (trx) => {
          if (seq < 1 || seq > (await headIn(trx, conv))) return false;
          const row = { seq, device, envelope: toDriver(envelope), created_at: now() };
          // the conditional upsert is one statement, so two racing snapshots cannot both move it backwards
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
      if (options.ownsDb) await db.destroy();
    },
  };
}
