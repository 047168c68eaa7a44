// Opens the service database: a SQLite file in the one-process mode, PostgreSQL in a cluster.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteKysely } from '@mekong/relay';
import type { Kysely } from 'kysely';
import { isPostgresUrl, openPostgres, type PostgresOptions } from './postgres';
import type { Db } from './schema';

/**
 * Open the database `target` names: a postgres:// or postgresql:// URL opens a connection pool
 * (see openPostgres); anything else is a SQLite file, created if needed, or ':memory:'.
 * On SQLite, WAL lets readers run beside the writer; busy_timeout rides out a concurrent writer (an
 * admin CLI) instead of failing at once; foreign keys are off by default there and must be asked for.
 */
export async function openDatabase(target: string, options: PostgresOptions = {}): Promise<Kysely<Db>> {
  if (isPostgresUrl(target)) return openPostgres(target, options);
  if (target !== ':memory:' && target !== '') await mkdir(dirname(target), { recursive: true });
  const sqlite = new Database(target);
  sqlite.pragma('journal_mode = WAL');
  // set, not assumed: a file already in WAL mode opens with NORMAL here, and the relay log on this
  // file acknowledges appends only once they survive a power loss
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // through the relay's opener, so the relay log on this file can commit appends in groups
  return sqliteKysely<Db>(sqlite);
}
