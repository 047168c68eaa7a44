// Which pg pool is behind a Kysely instance, so the log can run its append as a prepared statement.
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';

const pools = new WeakMap<object, pg.Pool>();

/**
 * A Kysely instance on a pg pool that the log can also use directly, for its append as a prepared
 * statement (parsed and planned once per connection instead of built and parsed per append). Open
 * every PostgreSQL database that may hold the relay log through this.
 * @example const db = postgresKysely<Db>(postgresPool(url));
 */
export function postgresKysely<T>(pool: pg.Pool): Kysely<T> {
  const db = new Kysely<T>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

/** The pg pool behind a Kysely instance made by postgresKysely, if any. */
export function postgresPoolOf(db: object): pg.Pool | undefined {
  return pools.get(db);
}
