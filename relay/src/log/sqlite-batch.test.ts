// Group commit on the SQLite log: appends of one event-loop turn share a transaction, and one that
// fails rejects alone.
import { ErrorCode, isMekongError } from '@mekong/schema';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { RelayDb } from './migrations';
import { openSqliteRelayDb } from './sqlite';
import { migrateRelay } from './migrations';
import { createSqlLogStore } from './sql';
import { sqliteHandleOf } from './sqlite-batch';

const env = (text: string) => new TextEncoder().encode(text);

async function openStore() {
  const db = openSqliteRelayDb(':memory:');
  await migrateRelay(db);
  const handle = sqliteHandleOf(db)!;
  return { store: createSqlLogStore(db, { ownsDb: true }), handle };
}

describe('SQLite log: group commit', () => {
  it('refuses a SQLite database not opened through sqliteKysely, with a typed error saying how to open it', async () => {
    const db = new Kysely<RelayDb>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    let caught: unknown;
    try {
      createSqlLogStore(db);
    } catch (err) {
      caught = err;
    }
    expect(isMekongError(caught) && caught.code).toBe(ErrorCode.BAD_REQUEST);
    expect((caught as Error).message).toMatch(/sqliteKysely/);
    await db.destroy();
  });

  it('writes the appends of one turn in one transaction, with gapless seqs in call order', async () => {
    const { store, handle } = await openStore();
    // one row per statement that moves a head: the batch moves each conversation's head once
    handle.exec(`create table head_moves (conv text);
      create trigger head_insert after insert on relay_heads begin insert into head_moves values (new.conv); end;
      create trigger head_update after update on relay_heads begin insert into head_moves values (new.conv); end;`);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.append('room', 'd1', i + 1, env(`m${i + 1}`))));
    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(handle.prepare('select count(*) as n from head_moves').get()).toEqual({ n: 1 });
    // a later turn is a transaction of its own
    await store.append('room', 'd1', 21, env('m21'));
    expect(handle.prepare('select count(*) as n from head_moves').get()).toEqual({ n: 2 });
    await store.close();
  });

  it('rejects only the append that failed; the others of its batch are stored, gapless', async () => {
    const { store, handle } = await openStore();
    handle.exec(`create trigger refuse after insert on relay_log when new.counter = 3 begin select raise(abort, 'refused by the test'); end;`);
    const settled = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.append('room', 'd1', i + 1, env(`m${i + 1}`))));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason.message).toMatch(/refused by the test/);
    expect(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.seq] : []))).toEqual([1, 2, 3, 4]);
    expect((await store.readAfter('room', 0, 10)).map((e) => new TextDecoder().decode(e.envelope))).toEqual(['m1', 'm2', 'm4', 'm5']);
    expect(await store.head('room')).toBe(4);
    await store.close();
  });

  it('answers a resend in the same batch with the first append’s seq and stores it once', async () => {
    const { store } = await openStore();
    const [a, b, c] = await Promise.all([store.append('room', 'd1', 7, env('first')), store.append('room', 'd2', 1, env('other')), store.append('room', 'd1', 7, env('resent'))]);
    expect([a, b, c]).toEqual([
      { seq: 1, duplicate: false },
      { seq: 2, duplicate: false },
      { seq: 1, duplicate: true },
    ]);
    expect((await store.readAfter('room', 0, 10)).map((e) => new TextDecoder().decode(e.envelope))).toEqual(['first', 'other']);
    await store.close();
  });
});
