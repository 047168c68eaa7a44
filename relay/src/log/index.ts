// The durable log: the in-memory reference store and the SQL store (SQLite now, PostgreSQL later).
export { createMemoryLogStore } from './memory';
export { migrateRelay, type RelayDb, type RelayLogTable, type RelaySnapshotTable } from './migrations';
export { createSqlLogStore, type SqlLogStoreOptions } from './sql';
export { openSqliteLogStore, openSqliteRelayDb } from './sqlite';
