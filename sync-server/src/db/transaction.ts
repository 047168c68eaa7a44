// Run work atomically whether or not the caller already holds a transaction.
import type { Kysely, Transaction } from 'kysely';
import type { Db } from './schema';

/** Runs `fn` in `db` when it is already a transaction (Kysely cannot nest them), else in a new one. */
export function inTransaction<T>(db: Kysely<Db>, fn: (trx: Kysely<Db> | Transaction<Db>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
