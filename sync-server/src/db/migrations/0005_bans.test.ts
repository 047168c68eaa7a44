// The bans migration on the engine the run selects (SQLite, or PostgreSQL through routes.pg.test.ts):
// it adds users.banned_at without touching existing accounts, and takes it away again.
import { type Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { testEngine } from '../../test-helpers';
import { isPostgres, openDatabase } from '../index';
import { createPgSchema, type PgSchema } from '../pg-testing';
import * as init from './0001_init';
import * as bans from './0005_bans';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

async function emptyDatabase(): Promise<{ db: Kysely<unknown>; migrating: <T>(fn: () => Promise<T>) => Promise<T> }> {
  let schema: PgSchema | undefined;
  if (testEngine() === 'postgres') {
    schema = await createPgSchema();
    cleanup.push(() => (schema as PgSchema).drop());
  }
  const db = (await openDatabase(schema ? schema.url : ':memory:')) as Kysely<unknown>;
  cleanup.push(() => db.destroy());
  return { db, migrating: (fn) => (schema ? schema.migrating(fn) : fn()) };
}

async function userColumns(db: Kysely<unknown>): Promise<string[]> {
  const query = isPostgres(db)
    ? sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = 'users'`
    : sql<{ name: string }>`select name from pragma_table_info('users')`;
  return (await query.execute(db)).rows.map((r) => r.name).sort();
}

describe('migration 0005_bans', () => {
  it('adds banned_at (null for existing accounts), holds a time, and takes it away again', async () => {
    const { db, migrating } = await emptyDatabase();
    await migrating(() => init.up(db));
    await sql`insert into users (id, username, display_name, identity_key, password_hash, created_at) values ('u1', 'lan', 'Lan', 'k', 'h', 1)`.execute(db);
    await migrating(() => bans.up(db));
    expect(await userColumns(db)).toContain('banned_at');
    const read = async () => (await sql<{ banned_at: number | string | null }>`select banned_at from users where id = 'u1'`.execute(db)).rows[0]?.banned_at;
    expect(await read()).toBeNull();
    // a millisecond time beyond 32 bits fits
    await sql`update users set banned_at = ${1_700_000_000_123} where id = 'u1'`.execute(db);
    expect(Number(await read())).toBe(1_700_000_000_123);

    await migrating(() => bans.down(db));
    expect(await userColumns(db)).not.toContain('banned_at');
    expect((await sql<{ username: string }>`select username from users`.execute(db)).rows).toEqual([{ username: 'lan' }]);
    await migrating(() => bans.up(db));
    expect(await read()).toBeNull();
  });
});
