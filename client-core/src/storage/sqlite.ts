// The SQLite storage adapter for Node (bots, the CLI, server-side assistants): one WAL-mode table of keys and blobs.
import Database from 'better-sqlite3';
import { ErrorCode, MekongError } from '@mekong/schema';
import type { RangeOptions, StorageOp, StoragePort } from './port';
import { assertBytes, assertKey, assertOps, closedError, copyBytes, resolveRange, storageFailure } from './rules';

type Row = { key: string; value: Uint8Array };

// A rowid table, so that the key index holds keys alone: seeking or ending a range scan next to a
// large value (a conversation document of many MB) then never reads that value to compare keys,
// which a WITHOUT ROWID table does (a 28 MB document cost 20-60 ms on every range that touched it).
const SCHEMA = 'CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)';

/** Files written before keep their rows; they move to the rowid table once, in one transaction. */
function moveFromWithoutRowid(db: Database.Database): void {
  const table = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'kv'").get();
  if (!table || !/WITHOUT\s+ROWID/i.test(table.sql)) return;
  db.transaction(() => {
    db.exec('CREATE TABLE kv_rowid (key TEXT PRIMARY KEY, value BLOB NOT NULL)');
    db.exec('INSERT INTO kv_rowid (key, value) SELECT key, value FROM kv');
    db.exec('DROP TABLE kv');
    db.exec('ALTER TABLE kv_rowid RENAME TO kv');
  }).immediate();
}

/** One statement per (lower bound kind, direction); TEXT compares with BINARY collation, i.e. byte order. */
function rangeSql(lowerOp: '>=' | '>', order: 'ASC' | 'DESC'): string {
  return `SELECT key, value FROM kv WHERE key ${lowerOp} ? AND key < ? ORDER BY key ${order} LIMIT ?`;
}

/** Opens the file and prepares the table, turning any failure into UNAVAILABLE. */
function openDatabase(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    // WAL lets readers in other handles run alongside the writer; NORMAL only syncs at checkpoints,
    // which in WAL mode can lose the last commits on power loss but never corrupts the file.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    moveFromWithoutRowid(db);
    db.exec(SCHEMA);
    return db;
  } catch (err) {
    db?.close();
    throw storageFailure('Could not open the local database; check that the path is writable and not locked.', err);
  }
}

/**
 * Creates a storage kept in an SQLite file (or `':memory:'`). Node only: it loads a native module,
 * so it is not part of the browser-safe entry. Several handles may share one file; each sees the
 * others' committed writes.
 *
 * @example
 * const storage = createSqliteStorage('/var/lib/mekong-bot/device.sqlite');
 * await storage.batch([{ type: 'put', key: 'outbox/00000001', value: ciphertext }]);
 * await storage.close();
 */
export function createSqliteStorage(path: string): StoragePort {
  if (typeof path !== 'string' || path.length === 0) {
    throw new MekongError(ErrorCode.BAD_REQUEST, "The SQLite storage needs a file path or ':memory:'.");
  }
  const db = openDatabase(path);
  const getStmt = db.prepare<[string], Row>('SELECT key, value FROM kv WHERE key = ?');
  const putStmt = db.prepare<[string, Uint8Array]>(
    'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );
  const delStmt = db.prepare<[string]>('DELETE FROM kv WHERE key = ?');
  const rangeStmts = {
    '>=ASC': db.prepare<[string, string, number], Row>(rangeSql('>=', 'ASC')),
    '>=DESC': db.prepare<[string, string, number], Row>(rangeSql('>=', 'DESC')),
    '>ASC': db.prepare<[string, string, number], Row>(rangeSql('>', 'ASC')),
    '>DESC': db.prepare<[string, string, number], Row>(rangeSql('>', 'DESC')),
  };
  const applyBatch = db.transaction((ops: StorageOp[]) => {
    for (const op of ops) {
      if (op.type === 'put') putStmt.run(op.key, op.value);
      else delStmt.run(op.key);
    }
  });
  let closed = false;

  /** Runs one synchronous database call once the handle is known to be open. */
  const run = <T>(what: string, fn: () => T): T => {
    if (closed) throw closedError();
    try {
      return fn();
    } catch (err) {
      throw storageFailure(`Could not ${what} the local database; free disk space or retry.`, err);
    }
  };

  return {
    async get(key: string) {
      if (closed) throw closedError();
      assertKey(key);
      const row = run('read', () => getStmt.get(key));
      // Blobs come back as Node Buffers; hand out plain, independent Uint8Arrays.
      return row === undefined ? undefined : copyBytes(row.value);
    },

    async put(key: string, value: Uint8Array) {
      if (closed) throw closedError();
      assertKey(key);
      assertBytes(value);
      run('write', () => putStmt.run(key, value));
    },

    async delete(key: string) {
      if (closed) throw closedError();
      assertKey(key);
      run('write', () => delStmt.run(key));
    },

    async range(prefix: string, opts?: RangeOptions) {
      if (closed) throw closedError();
      const bounds = resolveRange(prefix, opts);
      if (bounds === undefined) return [];
      const stmt = rangeStmts[`${bounds.lowerOpen ? '>' : '>='}${bounds.reverse ? 'DESC' : 'ASC'}`];
      // SQLite reads a negative LIMIT as "no limit".
      const limit = Number.isFinite(bounds.limit) ? bounds.limit : -1;
      const rows = run('read', () => stmt.all(bounds.lower, bounds.upper, limit));
      return rows.map((row): [string, Uint8Array] => [row.key, copyBytes(row.value)]);
    },

    async batch(ops: StorageOp[]) {
      if (closed) throw closedError();
      assertOps(ops);
      // IMMEDIATE takes the write lock up front, so a second handle waits (busy timeout) instead of failing mid-batch.
      run('write', () => applyBatch.immediate(ops));
    },

    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
