// How one append reaches the PostgreSQL log (SQLite appends in groups: sqlite-batch.ts). Both bump the
// conversation's row in relay_heads and insert the entry atomically, so a failure gives the number
// back and seqs stay gapless; both find an earlier append of the same (device, counter), so a resend
// uses no number.
import { ErrorCode, MekongError } from '@mekong/schema';
import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import type pg from 'pg';
import type { RelayDb } from './migrations';

export type Executor = Kysely<RelayDb> | Transaction<RelayDb>;
export type AppendResult = { seq: number; duplicate: boolean };
export interface AppendInput {
  conv: string;
  device: string;
  counter: number;
  /** Already in the driver's form (a Buffer view). */
  envelope: Uint8Array;
  createdAt: number;
}

// Why a failed append may be tried again; plain JavaScript so the SQLite writer thread shares it.
export { retryCause } from './retry-cause.mjs';

/**
 * PostgreSQL: one statement, so one round trip, and the head row stays locked only while the
 * entry is inserted and committed. All CTEs share the statement's snapshot; an append of the same
 * key that committed while we waited for the head lock surfaces as a 'dedup' unique violation,
 * which aborts the whole statement, head bump included.
 */
const APPEND_POSTGRES = `
  with dup as (
    select seq from relay_log where conv = $1::text and device = $2::text and counter = $3::bigint
  ), bump as (
    insert into relay_heads (conv, head)
    select $1::text, 1 where not exists (select 1 from dup)
    on conflict (conv) do update set head = relay_heads.head + 1
    returning head
  ), entry as (
    insert into relay_log (conv, seq, device, counter, envelope, created_at)
    select $1::text, head, $2::text, $3::bigint, $4::bytea, $5::bigint from bump
    returning seq
  )
  select seq, false as duplicate from entry
  union all
  select seq, true as duplicate from dup`;

/**
 * The append on PostgreSQL. With the pool behind `db` (see postgresKysely) it runs as a named
 * prepared statement, which costs the relay less than half the CPU of building and parsing it anew.
 */
export async function appendPostgres(db: Kysely<RelayDb>, a: AppendInput, pool?: pg.Pool): Promise<AppendResult> {
  const values = [a.conv, a.device, a.counter, a.envelope, a.createdAt];
  type Row = { seq: string | number; duplicate: boolean };
  const rows: Row[] = pool
    ? (await pool.query<Row>({ name: 'mekong_relay_append', text: APPEND_POSTGRES, values })).rows
    : (await db.executeQuery(CompiledQuery.raw(APPEND_POSTGRES, values))).rows as Row[];
  const row = rows[0];
  if (!row) throw new MekongError(ErrorCode.INTERNAL, 'The append statement returned no row; report this as a bug.');
  return { seq: Number(row.seq), duplicate: row.duplicate };
}

/**
 * A transaction that reads and then writes. On SQLite it starts with BEGIN IMMEDIATE: a deferred
 * transaction that read first cannot wait for another process's write lock (SQLite answers BUSY at
 * once to avoid a deadlock), while an immediate one waits out the busy timeout.
 */
export function writeTransaction<T>(db: Kysely<RelayDb>, postgres: boolean, fn: (trx: Executor) => Promise<T>): Promise<T> {
  if (postgres) return db.transaction().execute(fn);
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const out = await fn(conn);
      await sql`commit`.execute(conn);
      return out;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}

/** Raises the head to the log's highest seq, after a writer that bypassed relay_heads. */
export async function repairHead(db: Executor, conv: string): Promise<void> {
  const row = await db
    .selectFrom('relay_log')
    .select((eb) => eb.fn.max('seq').as('top'))
    .where('conv', '=', conv)
    .executeTakeFirst();
  const top = Number(row?.top ?? 0);
  await db.updateTable('relay_heads').set({ head: top }).where('conv', '=', conv).where('head', '<', top).execute();
}
