// Opens PostgreSQL (the cluster configuration) as a Kysely instance over a pg connection pool.
import { Kysely, PostgresDialect } from 'kysely';
import { type PostgresRelayOptions, postgresPool } from '@mekong/relay';
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
  const pool = postgresPool(url, options);
  return new Kysely<Db>({ dialect: new PostgresDialect({ pool }) });
}
