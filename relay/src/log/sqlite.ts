// Opens the embedded SQLite log used by the one-process deployment.
import Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { LogStore } from '../ports';
import { migrateRelay, type RelayDb } from './migrations';
import { createSqlLogStore } from './sql';
import { sqliteKysely } from './sqlite-batch';

/** A Kysely instance on a SQLite file (or ':memory:') tuned for an append-heavy log: WAL, a busy timeout. */
export function openSqliteRelayDb(filename: string): Kysely<RelayDb> {
  const database = new Database(filename);
  // WAL lets catch-up reads run beside appends. synchronous is set, not assumed: this build of SQLite
  // opens a file that is already in WAL mode with NORMAL, which would let a power loss take back
  // appends that were acknowledged; FULL syncs the WAL at every commit.
  if (filename !== ':memory:') database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 5000');
  return sqliteKysely<RelayDb>(database);
}

/** Opens (and migrates) a SQLite file as a LogStore that closes the file on close(). */
export async function openSqliteLogStore(filename: string): Promise<LogStore> {
  const db = openSqliteRelayDb(filename);
  try {
    await migrateRelay(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return createSqlLogStore(db, { ownsDb: true });
}
