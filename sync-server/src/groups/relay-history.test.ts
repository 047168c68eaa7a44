import { createSqlLogStore, migrateRelay, type RelayDb } from '@mekong/relay';
import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, migrateToLatest, openDatabase } from '../db';
import { createPgSchema } from '../db/pg-testing';
import { call, setupServices, silentLogger, type TestServices, testEngine } from '../test-helpers';
import { createGroupsApp, purgeRelayHistory } from './index';
import { asMember, ClientLog, createGroupVia, newGroupId, registerSigner } from './test-support';

/**
 * One database holding the services' and the relay's tables, as in one process. On PostgreSQL it
 * gets a schema of its own, migrated under the lock that keeps parallel test files from dropping
 * schemas meanwhile.
 */
async function sharedDatabase(): Promise<{ db: Kysely<Db>; close: () => Promise<void> }> {
  if (testEngine() === 'postgres') {
    const schema = await createPgSchema();
    const db = await openDatabase(schema.url);
    await schema.migrating(async () => {
      await migrateToLatest(db);
      await migrateRelay(db);
    });
    const close = async () => {
      await db.destroy();
      await schema.drop();
    };
    return { db, close };
  }
  const db = await openDatabase(':memory:');
  await migrateToLatest(db);
  await migrateRelay(db);
  return { db, close: () => db.destroy() };
}

let s: TestServices;
let shared: Awaited<ReturnType<typeof sharedDatabase>>;
let unused: Kysely<Db>;
let relayDb: Kysely<RelayDb>;
beforeEach(async () => {
  shared = await sharedDatabase();
  // setupServices opens a database of its own; the services run on the shared one instead
  const services = await setupServices({ db: shared.db });
  unused = services.db;
  s = { ...services, db: shared.db };
  relayDb = shared.db as unknown as Kysely<RelayDb>;
});
afterEach(async () => {
  await unused.destroy();
  await shared.close();
});

const count = async (table: 'relay_log' | 'relay_snapshots' | 'relay_heads', conv: string) =>
  (await relayDb.selectFrom(table).select('conv').where('conv', '=', conv).execute()).length;

describe('purgeRelayHistory', () => {
  it("deletes one conversation's relay log, snapshot and head, and nothing of the others", async () => {
    const log = createSqlLogStore(relayDb);
    for (const conv of ['gone', 'kept']) {
      await log.append(conv, 'd', 1, new Uint8Array([1]));
      await log.append(conv, 'd', 2, new Uint8Array([2]));
      expect(await log.putSnapshot(conv, 2, 'd', new Uint8Array([3]))).toBe(true);
    }
    await purgeRelayHistory(relayDb, 'gone');
    for (const table of ['relay_log', 'relay_snapshots', 'relay_heads'] as const) {
      expect(await count(table, 'gone'), table).toBe(0);
      expect(await count(table, 'kept'), table).toBeGreaterThan(0);
    }
    expect(await log.readAfter('gone', 0, 10)).toEqual([]);
    expect(await log.head('kept')).toBe(2);
    await purgeRelayHistory(relayDb, 'gone');
    await log.close();
  });

  it('runs when the owner disbands a group, given as the onDisband hook', async () => {
    const owner = await registerSigner(s.app, 'owner');
    const member = await registerSigner(s.app, 'member');
    const group = new ClientLog(newGroupId());
    await createGroupVia(s.app, owner, group, [asMember(member)]);
    const store = createSqlLogStore(relayDb);
    await store.append(group.conv, member.deviceId, 1, new Uint8Array([9]));

    const disbanded: string[] = [];
    const app = new Hono().route(
      '/api/groups',
      createGroupsApp({
        db: s.db,
        tokens: s.tokens,
        sessions: { now: Date.now, refreshTtlMs: 86_400_000 },
        logger: silentLogger,
        onDisband: async (id) => {
          disbanded.push(id);
          await purgeRelayHistory(relayDb, id);
        },
      }),
    );
    expect((await call(app, 'DELETE', `/api/groups/${group.conv}`, { token: member.token })).status).toBe(403);
    expect(disbanded).toEqual([]);
    expect((await call(app, 'DELETE', `/api/groups/${group.conv}`, { token: owner.token })).status).toBe(204);
    expect(disbanded).toEqual([group.conv]);
    expect(await count('relay_log', group.conv)).toBe(0);
    await store.close();
  });
});
