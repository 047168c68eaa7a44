// The social migration alone, up and down and up again, on the engine the run selects (SQLite, or
// PostgreSQL through routes.pg.test.ts): tables, the contact columns on users, uniqueness, collation.
import { type Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { testEngine } from '../../test-helpers';
import { isPostgres, openDatabase } from '../index';
import { createPgSchema, type PgSchema } from '../pg-testing';
import * as init from './0001_init';
import * as social from './0002_social';

const SOCIAL_TABLES = ['blocks', 'conversation_accepted_by', 'friend_requests', 'friendships', 'user_search'];
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

/** An empty database with no migration applied. */
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

async function tables(db: Kysely<unknown>): Promise<string[]> {
  const query = isPostgres(db)
    ? sql<{ name: string }>`select tablename as name from pg_tables where schemaname = current_schema()`
    : sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`;
  return (await query.execute(db)).rows.map((r) => r.name).sort();
}

async function userColumns(db: Kysely<unknown>): Promise<string[]> {
  const query = isPostgres(db)
    ? sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = 'users'`
    : sql<{ name: string }>`select name from pragma_table_info('users')`;
  return (await query.execute(db)).rows.map((r) => r.name).sort();
}

const user = (id: string, phone: string | null) =>
  sql`insert into users (id, username, display_name, identity_key, password_hash, created_at, phone)
      values (${id}, ${id}, ${id}, 'k', 'h', 1, ${phone})`;

describe('migration 0002_social', () => {
  it('adds the social tables and contact columns, and takes them away again without touching users', async () => {
    const { db, migrating } = await emptyDatabase();
    await migrating(async () => {
      await init.up(db);
      await social.up(db);
    });
    expect(await tables(db)).toEqual(expect.arrayContaining(SOCIAL_TABLES));
    expect(await userColumns(db)).toEqual(expect.arrayContaining(['email', 'phone']));

    await user('u1', '+84912345678').execute(db);
    await user('u2', null).execute(db);
    await user('u3', null).execute(db);
    await expect(user('u4', '+84912345678').execute(db)).rejects.toThrow();
    await sql`insert into friendships (user_id, friend_id, created_at) values ('u1', 'u2', 1), ('u2', 'u1', 1)`.execute(db);

    await migrating(() => social.down(db));
    const left = await tables(db);
    for (const t of SOCIAL_TABLES) expect(left).not.toContain(t);
    expect(await userColumns(db)).not.toContain('phone');
    expect(await userColumns(db)).not.toContain('email');
    const { rows } = await sql<{ id: string }>`select id from users order by id`.execute(db);
    expect(rows.map((r) => r.id)).toEqual(['u1', 'u2', 'u3']);

    await migrating(() => social.up(db));
    expect(await tables(db)).toEqual(expect.arrayContaining(SOCIAL_TABLES));
  });

  it('compares ids byte by byte on PostgreSQL too (collation "C")', async () => {
    const { db, migrating } = await emptyDatabase();
    await migrating(async () => {
      await init.up(db);
      await social.up(db);
    });
    if (!isPostgres(db)) return;
    const { rows } = await sql<{ table_name: string; column_name: string; collation_name: string | null }>`
      select table_name, column_name, collation_name from information_schema.columns
      where table_schema = current_schema() and data_type = 'text'
        and (table_name in ('friend_requests', 'friendships', 'blocks', 'conversation_accepted_by', 'user_search')
             or (table_name = 'users' and column_name in ('phone', 'email')))`.execute(db);
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) expect(r.collation_name, `${r.table_name}.${r.column_name}`).toBe('C');
  });
});
