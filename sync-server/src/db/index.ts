// The service database: opening (SQLite or PostgreSQL), migrations and row types.
export { currentSchema, isPostgres } from './engine';
export { createMigrator, migrateToLatest } from './migrate';
export { openDatabase } from './open';
export { isPostgresUrl, openPostgres, type PostgresOptions } from './postgres';
export { inTransaction } from './transaction';
export type * from './schema';
export type { UserBanColumns } from './schema-bans';
