// LogStore over kysely. Sequence numbers are assigned inside a transaction as max(seq) + 1 of the conversation.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Kysely, Transaction } from 'kysely';
import type { LogStore } from '../ports';
import type { RelayDb } from './migrations';

export interface SqlLogStoreOptions {
  /** Destroy the Kysely instance on close(); leave false when the database is shared with other services. */
  ownsDb?: boolean;
  now?: () => number;
}

// Two writers that race for the same seq (PostgreSQL under READ COMMITTED) or the same dedup key
// collide on a constraint; the loser retries in a fresh transaction, where it sees the winner's row.
const MAX_ATTEMPTS = 100;

/** True for a primary-key or unique violation on SQLite (better-sqlite3) and PostgreSQL (pg). */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

// drivers return Buffers (and PostgreSQL bigints as strings); hand out plain values
const bytes = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const toDriver = (b: Uint8Array): Uint8Array => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

async function headIn(db: Kysely<RelayDb> | Transaction<RelayDb>, conv: string): Promise<number> {
  const row = await db
    .selectFrom('relay_log')
    .select((eb) => eb.fn.max('seq').as('head'))
    .where('conv', '=', conv)
    .executeTakeFirst();
  return Number(row?.head ?? 0);
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
      .execute(async (trx) => {
        const existing = await trx
          .selectFrom('relay_log')
          .select('seq')
          .where('conv', '=', conv)
          .where('device', '=', device)
          .where('counter', '=', counter)
          .executeTakeFirst();
        if (existing) return { seq: Number(existing.seq), duplicate: true };
        const seq = (await headIn(trx, conv)) + 1;
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
          if (attempt >= MAX_ATTEMPTS || !isUniqueViolation(err)) throw err;
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
          if (seq > (await headIn(trx, conv))) return false;
          const current = await trx.selectFrom('relay_snapshots').select('seq').where('conv', '=', conv).executeTakeFirst();
          if (seq <= Number(current?.seq ?? 0)) return false;
          const row = { seq, device, envelope: toDriver(envelope), created_at: now() };
          await trx
            .insertInto('relay_snapshots')
            .values({ conv, ...row })
            .onConflict((oc) => oc.column('conv').doUpdateSet(row))
            .execute();
          return true;
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
