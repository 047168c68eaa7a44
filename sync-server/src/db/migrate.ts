// Schema migrations, listed in code so they ship inside the bundle and run the same everywhere.
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { ErrorCode, MekongError } from '@mekong/schema';
import * as init from './migrations/0001_init';
import * as social from './migrations/0002_social';
import * as groups from './migrations/0003_groups';
import * as media from './migrations/0004_media';
import * as bans from './migrations/0005_bans';
import { currentSchema } from './engine';
import type { Db } from './schema';

/** Every migration, by name; names sort in the order they must run. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_init': init,
  '0002_social': social,
  '0003_groups': groups,
  '0004_media': media,
  '0005_bans': bans,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * A migrator over the in-code migrations, for tools that step up or down one at a time. Its
 * bookkeeping tables are named for the services, since the relay migrates the same database,
 * and sit in the current schema (PostgreSQL), the one the migrations create their tables in.
 */
export async function createMigrator(db: Kysely<Db>): Promise<Migrator> {
  return new Migrator({
    db,
    provider,
    migrationTableName: 'services_migrations',
    migrationLockTableName: 'services_migrations_lock',
    migrationTableSchema: await currentSchema(db as Kysely<unknown>),
  });
}

/**
 * Bring the schema to the newest version; returns the names of the migrations it applied.
 * Safe to call on every start: an up-to-date database applies nothing.
 */
export async function migrateToLatest(db: Kysely<Db>): Promise<string[]> {
  const { error, results } = await (await createMigrator(db)).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MekongError(ErrorCode.INTERNAL, `Database migration ${failed} failed; the schema was left as it was.`, {
      cause: error instanceof Error ? error.message : String(error),
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
