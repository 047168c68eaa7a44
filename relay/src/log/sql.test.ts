import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLogStoreContract } from './contract';
import { runRelayHeadsCases } from './heads.cases';
import { migrateRelay } from './migrations';
import { createSqlLogStore } from './sql';
import { openSqliteLogStore, openSqliteRelayDb } from './sqlite';

runLogStoreContract('sqlite :memory:', async () => {
  const db = openSqliteRelayDb(':memory:');
  await migrateRelay(db);
  return { store: createSqlLogStore(db, { ownsDb: true }) };
});

runLogStoreContract('sqlite file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mekong-relay-'));
  const file = join(dir, 'log.db');
  return {
    store: await openSqliteLogStore(file),
    reopen: () => openSqliteLogStore(file),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

runRelayHeadsCases('sqlite :memory:', async () => {
  const db = openSqliteRelayDb(':memory:');
  return { db, cleanup: () => db.destroy() };
});

describe('migrateRelay', () => {
  it('is idempotent and keeps its bookkeeping in relay_* tables', async () => {
    const db = openSqliteRelayDb(':memory:');
    await migrateRelay(db);
    await migrateRelay(db);
    const tables = (await db.introspection.getTables({ withInternalKyselyTables: true })).map((t) => t.name).sort();
    expect(tables).toEqual(['relay_heads', 'relay_log', 'relay_migrations', 'relay_migrations_lock', 'relay_snapshots']);
    await db.destroy();
  });

  it('leaves a shared database to its owner unless told otherwise', async () => {
    const db = openSqliteRelayDb(':memory:');
    await migrateRelay(db);
    const store = createSqlLogStore(db);
    await store.append('c', 'd', 1, new Uint8Array([1]));
    await store.close();
    // the database is still usable by the service that shares it
    const rows = await db.selectFrom('relay_log').select('seq').execute();
    expect(rows.map((r) => Number(r.seq))).toEqual([1]);
    await db.destroy();
  });
});
