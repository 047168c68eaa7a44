// Opens the embedded SQLite database (one-process mode) as a Kysely instance.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Db } from './schema';

/**
 * Open (creating if needed) the SQLite file at `file`, or an in-memory database for ':memory:'.
 * WAL lets readers run beside the writer; busy_timeout rides out a concurrent writer (an admin
 * CLI) instead of failing at once; foreign keys are off by default in SQLite and must be asked for.
 */
export async function openDatabase(file: string): Promise<Kysely<Db>> {
  if (file !== ':memory:' && file !== '') await mkdir(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }) });
}
