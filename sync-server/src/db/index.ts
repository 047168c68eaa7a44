// The service database: opening, migrations and row types.
export { createMigrator, migrateToLatest } from './migrate';
export { openDatabase } from './open';
export { inTransaction } from './transaction';
export type * from './schema';
