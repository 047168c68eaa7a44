import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { runLogStoreContract } from './contract';
import { runRelayHeadsCases } from './heads.cases';
import { migrateRelay } from './migrations';
import { createPgSchema, type PgSchema, SKIP_PG, SKIP_PG_REASON } from './pg-testing';
import { openPostgresLogStore, openPostgresRelayDb } from './postgres';
import { createSqlLogStore } from './sql';

const env = (text: string) => new TextEncoder().encode(text);

// One schema for this file, made on first use so an unreachable server fails the tests that need it.
let schema: Promise<PgSchema> | undefined;
const mySchema = () => {
  schema ??= createPgSchema();
  return schema;
};
afterAll(async () => {
  if (schema) await (await schema).drop();
});

async function openMigrated() {
  const s = await mySchema();
  const db = openPostgresRelayDb(s.url);
  await s.migrating(() => migrateRelay(db));
  return db;
}

describe.skipIf(SKIP_PG)(`PostgreSQL log${SKIP_PG ? ` (${SKIP_PG_REASON})` : ''}`, () => {
  runLogStoreContract('postgres', async () => {
    const db = await openMigrated();
    await sql`truncate relay_log, relay_snapshots, relay_heads`.execute(db);
    const { url } = await mySchema();
    return { store: createSqlLogStore(db, { ownsDb: true }), reopen: () => openPostgresLogStore(url) };
  });

  describe('migrateRelay on PostgreSQL', () => {
    it('creates bytea and bigint columns and its bookkeeping in the current schema only', async () => {
      const db = await openMigrated();
      await migrateRelay(db); // again: nothing to do
      const s = await mySchema();
      const { rows } = await sql<{ table_name: string; column_name: string; data_type: string }>`
        select table_name, column_name, data_type from information_schema.columns
        where table_schema = ${s.name} and column_name in ('envelope', 'seq', 'head') order by table_name, column_name`.execute(db);
      expect(rows.map((r) => `${r.table_name}.${r.column_name}:${r.data_type}`)).toEqual([
        'relay_heads.head:bigint',
        'relay_log.envelope:bytea',
        'relay_log.seq:bigint',
        'relay_snapshots.envelope:bytea',
        'relay_snapshots.seq:bigint',
      ]);
      const applied = await sql<{ name: string }>`select name from relay_migrations order by name`.execute(db);
      expect(applied.rows.map((r) => r.name)).toEqual(['0001_relay_log', '0002_relay_heads']);
      await db.destroy();
    });

    it('hands out numbers and plain Uint8Arrays, not strings and Buffers', async () => {
      const db = await openMigrated();
      const store = createSqlLogStore(db);
      await store.append('types', 'd', 2 ** 40, env('x'));
      const row = await db.selectFrom('relay_log').select(['seq', 'counter', 'envelope']).where('conv', '=', 'types').executeTakeFirstOrThrow();
      expect(row.counter).toBe(2 ** 40);
      expect(typeof row.seq).toBe('number');
      expect(Object.getPrototypeOf(row.envelope)).toBe(Uint8Array.prototype);
      const [read] = await store.readAfter('types', 0, 1);
      expect(Object.getPrototypeOf(read?.envelope)).toBe(Uint8Array.prototype);
      await db.destroy();
    });
  });
});

describe.skipIf(SKIP_PG)(`relay_heads on PostgreSQL${SKIP_PG ? ` (${SKIP_PG_REASON})` : ''}`, () => {
  // these start from an unmigrated database, so each gets a schema of its own
  runRelayHeadsCases('postgres', async () => {
    const s = await createPgSchema();
    const db = openPostgresRelayDb(s.url);
    return {
      db,
      migrating: s.migrating,
      cleanup: async () => {
        await db.destroy();
        await s.drop();
      },
    };
  });
});
