// Cases for the SQL store's head rows, run on every SQL engine: the 0002 backfill, catching up with
// rows written by an older relay, rollbacks that give their seq back, and resends racing new appends.
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createRelayMigrator, migrateRelay, type RelayDb } from './migrations';
import { createSqlLogStore } from './sql';

export interface HeadsFixture {
  /** An empty, unmigrated database. */
  db: Kysely<RelayDb>;
  /** Wraps each migration (the PostgreSQL tests hold a lock there); runs `fn` as is by default. */
  migrating?: <T>(fn: () => Promise<T>) => Promise<T>;
  cleanup: () => Promise<void>;
}

const env = (text: string) => new TextEncoder().encode(text);

export function runRelayHeadsCases(name: string, setup: () => Promise<HeadsFixture>): void {
  describe(`relay_heads: ${name}`, () => {
    let cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const c of cleanups) await c();
      cleanups = [];
    });
    const fresh = async (upTo?: string) => {
      const fx = await setup();
      cleanups.push(fx.cleanup);
      const guard = fx.migrating ?? ((fn) => fn());
      await guard(async () => {
        const migrator = await createRelayMigrator(fx.db);
        const { error } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
        if (error) throw error;
      });
      return { db: fx.db, store: createSqlLogStore(fx.db), migrate: () => guard(() => migrateRelay(fx.db)) };
    };

    it('backfills heads from a log written before the heads table existed', async () => {
      const { db, store, migrate } = await fresh('0001_relay_log');
      const legacy = (conv: string, seq: number) => ({ conv, seq, device: 'd', counter: seq, envelope: env(`${conv}${seq}`), created_at: 1 });
      await db.insertInto('relay_log').values([legacy('a', 1), legacy('a', 2), legacy('a', 3), legacy('b', 1)]).execute();
      await migrate();
      expect([await store.head('a'), await store.head('b'), await store.head('none')]).toEqual([3, 1, 0]);
      expect(await store.append('a', 'd', 2, env('resend'))).toEqual({ seq: 2, duplicate: true });
      expect(await store.append('a', 'd2', 1, env('next'))).toEqual({ seq: 4, duplicate: false });
      expect(await store.append('b', 'd2', 1, env('next'))).toEqual({ seq: 2, duplicate: false });
    });

    it('catches up with rows an older relay appended as max(seq) + 1, leaving no hole', async () => {
      const { db, store } = await fresh();
      await store.append('mixed', 'new', 1, env('1'));
      // an older relay, unaware of relay_heads, takes seq 2 behind the head row's back
      await db.insertInto('relay_log').values({ conv: 'mixed', seq: 2, device: 'old', counter: 1, envelope: env('2'), created_at: 1 }).execute();
      expect(await store.append('mixed', 'new', 2, env('3'))).toEqual({ seq: 3, duplicate: false });
      expect((await store.readAfter('mixed', 0, 10)).map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(await store.head('mixed')).toBe(3);
    });

    it('gives the seq back when the append fails after taking it', async () => {
      const { db } = await fresh();
      let broken = false;
      // a NULL created_at passes the driver and fails the NOT NULL check after the head row was bumped
      const store = createSqlLogStore(db, { now: () => (broken ? (null as unknown as number) : 1) });
      await store.append('rb', 'd', 1, env('1'));
      broken = true;
      await expect(store.append('rb', 'd', 2, env('x'))).rejects.toThrow(/null/i);
      broken = false;
      expect(await store.head('rb')).toBe(1);
      expect(await store.append('rb', 'd', 3, env('2'))).toEqual({ seq: 2, duplicate: false });
    });

    it('answers resends racing their first append with the original seq, using no extra seq', async () => {
      const { store } = await fresh();
      const pairs = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          Promise.all([store.append('race', `d${i % 3}`, i, env(`m${i}`)), store.append('race', `d${i % 3}`, i, env(`m${i}`))]),
        ),
      );
      for (const [first, second] of pairs) {
        expect(first.seq).toBe(second.seq);
        expect([first.duplicate, second.duplicate].sort()).toEqual([false, true]);
      }
      expect(pairs.map(([a]) => a.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(await store.head('race')).toBe(60);
    });
  });
}
