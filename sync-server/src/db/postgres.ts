// Opens PostgreSQL (the cluster configuration) as a Kysely instance over a pg connection pool.
import type { Kysely } from 'kysely';
import { type PostgresRelayOptions, postgresKysely, postgresPool } from '@mekong/relay';
import type { Db } from './schema';

/** True for the URLs that select PostgreSQL: postgres://… and postgresql://…. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** Pool settings: the same as the relay log's. */
export type PostgresOptions = PostgresRelayOptions;

/**
 * A Kysely instance on a postgres:// URL. Another schema than public is picked in the URL:
 * `?options=-c%20search_path%3Dmekong`. Connections open lazily, on the first query.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): Kysely<Db> {
  // through the relay's opener, so the relay log on this database appends with a prepared statement
  return postgresKysely<Db>(postgresPool(url, options));
}
