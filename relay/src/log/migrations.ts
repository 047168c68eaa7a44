// Schema of the relay's log. Portable SQL (SQLite and PostgreSQL); own migration tables so it can share a database.
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { currentSchema, isPostgres } from './engine';

export interface RelayLogTable {
  conv: string;
  seq: number;
  device: string;
  counter: number;
  envelope: Uint8Array;
  created_at: number;
}

export interface RelaySnapshotTable {
  conv: string;
  seq: number;
  device: string;
  envelope: Uint8Array;
  created_at: number;
}

/** The last seq handed out per conversation; its row lock is what orders concurrent appends. */
export interface RelayHeadsTable {
  conv: string;
  head: number;
}

/** Tables the relay owns. */
export interface RelayDb {
  relay_log: RelayLogTable;
  relay_snapshots: RelaySnapshotTable;
  relay_heads: RelayHeadsTable;
}

// PostgreSQL calls binary columns bytea; SQLite calls them blob
const binaryType = (db: Kysely<unknown>) => (isPostgres(db) ? 'bytea' : 'blob');

const migrations: Record<string, Migration> = {
  '0001_relay_log': {
    async up(db: Kysely<unknown>) {
      const bin = binaryType(db);
      await db.schema
        .createTable('relay_log')
        .addColumn('conv', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull())
        .addColumn('envelope', bin, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('relay_log_pk', ['conv', 'seq'])
        .addUniqueConstraint('relay_log_dedup', ['conv', 'device', 'counter'])
        .execute();
      await db.schema
        .createTable('relay_snapshots')
        .addColumn('conv', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('envelope', bin, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('relay_snapshots').execute();
      await db.schema.dropTable('relay_log').execute();
    },
  },
  // Replaces max(seq) + 1 with a counter row per conversation: upserting it locks the row, so appends
  // from any number of relay processes queue on it instead of colliding and retrying.
  '0002_relay_heads': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('relay_heads')
        .addColumn('conv', 'text', (c) => c.primaryKey())
        .addColumn('head', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into relay_heads (conv, head) select conv, max(seq) from relay_log group by conv`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('relay_heads').execute();
    },
  },
};

/**
 * A migrator over the relay's migrations, for tools that step up or down one at a time. Its
 * bookkeeping lives in relay_* tables of the current schema, so it can share a database.
 */
export async function createRelayMigrator<DB>(db: Kysely<DB>): Promise<Migrator> {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'relay_migrations',
    migrationLockTableName: 'relay_migrations_lock',
    migrationTableSchema: await currentSchema(db as Kysely<unknown>),
  });
}

/** Brings the relay tables to the latest version. Safe to call on every start and from several processes. */
export async function migrateRelay<DB>(db: Kysely<DB>): Promise<void> {
  const { error } = await (await createRelayMigrator(db)).migrateToLatest();
  if (error) throw error;
}
