// The encrypted key backup: one row per user, replaced only by compare-and-swap on its version.
import { ErrorCode, type KeyBackup, MekongError } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { Db } from '../db';

export function getBackup(db: Kysely<Db>, userId: string): Promise<KeyBackup | undefined> {
  return db.selectFrom('key_backups').select(['version', 'data']).where('user_id', '=', userId).executeTakeFirst();
}

/**
 * Store `data` as the next version if the stored version is `expectedVersion` (0: none yet).
 * Returns the new version; CONFLICT when another device wrote first, so the client re-reads and merges.
 */
export async function putBackup(db: Kysely<Db>, userId: string, expectedVersion: number, data: string, now: number): Promise<number> {
  const version = expectedVersion + 1;
  const res =
    expectedVersion === 0
      ? await db
          .insertInto('key_backups')
          .values({ user_id: userId, version, data, updated_at: now })
          .onConflict((oc) => oc.column('user_id').doNothing())
          .executeTakeFirst()
      : await db
          .updateTable('key_backups')
          .set({ version, data, updated_at: now })
          .where('user_id', '=', userId)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
  const changed = 'numUpdatedRows' in res ? res.numUpdatedRows : res.numInsertedOrUpdatedRows;
  if (Number(changed ?? 0n) !== 1) {
    throw new MekongError(ErrorCode.CONFLICT, 'The backup changed since you read it; fetch it again, merge and retry.');
  }
  return version;
}
