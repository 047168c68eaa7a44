// Schema of the relay's log. Portable SQL (SQLite now, PostgreSQL later); own migration tables so it can share a database.
import { type Kysely, type Migration, Migrator, PostgresAdapter } from 'kysely';

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

/** Tables the relay owns. */
export interface RelayDb {
  relay_log: RelayLogTable;
  relay_snapshots: RelaySnapshotTable;
}

// PostgreSQL calls binary columns bytea; SQLite calls them blob
const binaryType = (db: Kysely<unknown>) => (db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob');

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
};

/** Brings the relay tables to the latest version. Safe to call on every start and from several processes. */
export async function migrateRelay<DB>(db: Kysely<DB>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'relay_migrations',
    migrationLockTableName: 'relay_migrations_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
