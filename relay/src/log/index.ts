// The durable log: the in-memory reference store and the SQL store (SQLite for one process, PostgreSQL for a cluster).
export { createMemoryLogStore } from './memory';
export { currentSchema, isPostgres } from './engine';
export {
  createRelayMigrator,
  migrateRelay,
  type RelayDb,
  type RelayHeadsTable,
  type RelayLogTable,
  type RelaySnapshotTable,
} from './migrations';
export { openPostgresLogStore, openPostgresRelayDb, type PostgresRelayOptions, postgresPool } from './postgres';
export { createSqlLogStore, type SqlLogStoreOptions } from './sql';
export { openSqliteLogStore, openSqliteRelayDb } from './sqlite';
export { sqliteKysely } from './sqlite-batch';
export { postgresKysely } from './pg-pools';
