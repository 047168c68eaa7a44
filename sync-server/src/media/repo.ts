// SQL of the media service: blob rows and per-user usage. The quota is enforced by one conditional
// update, so concurrent uploads of one user can never together go past it (on SQLite and PostgreSQL).
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Kysely } from 'kysely';
import { type Db, inTransaction } from '../db';

export interface Usage {
  usedBytes: number;
  quotaBytes: number;
}

export async function readUsage(db: Kysely<Db>, userId: string, defaultQuota: number): Promise<Usage> {
  const row = await db.selectFrom('media_usage').select(['used_bytes', 'quota_bytes']).where('user_id', '=', userId).executeTakeFirst();
  return { usedBytes: Number(row?.used_bytes ?? 0), quotaBytes: Number(row?.quota_bytes ?? defaultQuota) };
}

export function quotaExceeded(usage: Usage): MekongError {
  const free = Math.max(0, usage.quotaBytes - usage.usedBytes);
  return new MekongError(
    ErrorCode.QUOTA_EXCEEDED,
    `This upload does not fit in your media storage (${free} of ${usage.quotaBytes} bytes free); delete some media first.`,
    { usedBytes: usage.usedBytes, quotaBytes: usage.quotaBytes },
  );
}

/**
 * Records a stored blob and adds its size to the owner's usage, or throws QUOTA_EXCEEDED and
 * records nothing when that would pass the owner's quota.
 */
export async function recordBlob(
  db: Kysely<Db>,
  blob: { id: string; ownerId: string; size: number; createdAt: number },
  defaultQuota: number,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx.insertInto('media_usage').values({ user_id: blob.ownerId, used_bytes: 0, quota_bytes: null }).onConflict((oc) => oc.column('user_id').doNothing()).execute();
    const res = await trx
      .updateTable('media_usage')
      .set((eb) => ({ used_bytes: eb('used_bytes', '+', blob.size) }))
      .where('user_id', '=', blob.ownerId)
      .where((eb) => eb(eb('used_bytes', '+', blob.size), '<=', eb.fn.coalesce('quota_bytes', eb.val(defaultQuota))))
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw quotaExceeded(await readUsage(trx, blob.ownerId, defaultQuota));
    await trx.insertInto('media_blobs').values({ id: blob.id, owner_id: blob.ownerId, size: blob.size, created_at: blob.createdAt }).execute();
  });
}

export async function findBlob(db: Kysely<Db>, id: string): Promise<{ ownerId: string; size: number } | undefined> {
  const row = await db.selectFrom('media_blobs').select(['owner_id', 'size']).where('id', '=', id).executeTakeFirst();
  return row && { ownerId: row.owner_id, size: Number(row.size) };
}

/** Removes the blob's row and gives its bytes back to the owner; false when it was already gone. */
export async function forgetBlob(db: Kysely<Db>, id: string, ownerId: string, size: number): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const res = await trx.deleteFrom('media_blobs').where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) return false;
    await trx
      .updateTable('media_usage')
      .set((eb) => ({ used_bytes: eb('used_bytes', '-', size) }))
      .where('user_id', '=', ownerId)
      .execute();
    return true;
  });
}
