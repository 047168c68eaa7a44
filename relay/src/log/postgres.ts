// Opens the PostgreSQL log used by a cluster of relays: a kysely instance over a pg pool.
import type { Kysely } from 'kysely';
import pg from 'pg';
import type { LogStore } from '../ports';
import { migrateRelay, type RelayDb } from './migrations';
import { postgresKysely } from './pg-pools';
import { createSqlLogStore } from './sql';

const INT8 = 20;
const BYTEA = 17;

// Seqs, counters and times are int8; pg hands those out as strings unless told otherwise.
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} does not fit a JavaScript number`);
  return n;
}

// bytea arrives as '\x<hex>'; decoding straight into a plain Uint8Array skips the Buffer copy.
function parseBytea(text: string): Uint8Array {
  if (!text.startsWith('\\x')) return new Uint8Array(pg.types.getTypeParser(BYTEA, 'text')(text) as Buffer);
  const out = new Uint8Array((text.length - 2) / 2);
  Buffer.from(out.buffer).write(text.slice(2), 'hex');
  return out;
}

/** Type parsers for one pool (the pg module's global parsers stay untouched). */
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary' && oid === INT8) return parseInt8;
    if (format !== 'binary' && oid === BYTEA) return parseBytea;
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/**
 * A pg pool whose int8 columns come back as numbers and bytea as plain Uint8Array, set on this
 * pool only. Shared by the relay log and the services so both read the database the same way.
 * @example const db = postgresKysely<MyDb>(postgresPool(url));
 */
export function postgresPool(url: string, options: PostgresRelayOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    types: pgTypes,
  });
  // an idle connection that dies emits 'error' on the pool; unheard, that would end the process
  pool.on('error', (err) => options.onPoolError?.(err));
  return pool;
}

export interface PostgresRelayOptions {
  /** Connections in the pool; 10 by default. */
  maxConnections?: number;
  /** How long to wait for a new connection before the query fails; 10 s by default. */
  connectTimeoutMs?: number;
  /** Errors of idle connections (the server restarted, the network dropped); ignored by default. */
  onPoolError?: (err: Error) => void;
}

/**
 * A Kysely instance on a postgres:// URL. A schema other than public can be chosen in the URL:
 * `?options=-c%20search_path%3Dmy_schema`.
 */
export function openPostgresRelayDb(url: string, options: PostgresRelayOptions = {}): Kysely<RelayDb> {
  return postgresKysely<RelayDb>(postgresPool(url, options));
}


/** Opens (and migrates) a PostgreSQL log as a LogStore that ends its pool on close(). */
export async function openPostgresLogStore(url: string, options: PostgresRelayOptions = {}): Promise<LogStore> {
  const db = openPostgresRelayDb(url, options);
  try {
    await migrateRelay(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return createSqlLogStore(db, { ownsDb: true });
}
