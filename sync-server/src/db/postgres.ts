// Opens PostgreSQL (the cluster configuration) as a Kysely instance over a pg connection pool.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Db } from './schema';

const INT8 = 20;
const BYTEA = 17;

/** True for the URLs that select PostgreSQL: postgres://… and postgresql://…. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

// Times, versions and counts are int8, which pg hands out as strings unless told otherwise.
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

// Set on each pool, never on the pg module, so other pools in the process keep the defaults.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary' && oid === INT8) return parseInt8;
    if (format !== 'binary' && oid === BYTEA) return parseBytea;
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

export interface PostgresOptions {
  /** Connections in the pool; 10 by default. */
  maxConnections?: number;
  /** How long to wait for a new connection before the query fails; 10 s by default. */
  connectTimeoutMs?: number;
  /** Errors of idle connections (the server restarted, the network dropped); ignored by default. */
  onPoolError?: (err: Error) => void;
}

/**
 * A Kysely instance on a postgres:// URL. Another schema than public is picked in the URL:
 * `?options=-c%20search_path%3Dmekong`. Connections open lazily, on the first query.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): Kysely<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    types,
  });
  // an idle connection that dies emits 'error' on the pool; unheard, that would end the process
  pool.on('error', (err) => options.onPoolError?.(err));
  return new Kysely<Db>({ dialect: new PostgresDialect({ pool }) });
}
