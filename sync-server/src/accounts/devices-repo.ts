// Queries on devices and their public keys.
import { type DevicePublic, ErrorCode, MekongError, type NewDevice } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { Db } from '../db';
import { newId } from '../ids';

export async function insertDevice(db: Kysely<Db>, userId: string, device: NewDevice, now: number): Promise<string> {
  const id = device.id ?? newId();
  const taken = await db.selectFrom('devices').select('id').where('id', '=', id).executeTakeFirst();
  if (taken) throw new MekongError(ErrorCode.CONFLICT, 'That device id is in use; generate a new one.');
  await db
    .insertInto('devices')
    .values({
      id,
      user_id: userId,
      sign_key: device.signKey,
      box_key: device.boxKey,
      certificate: device.certificate,
      name: device.name ?? null,
      created_at: now,
      revoked_at: null,
    })
    .execute();
  return id;
}

/** The device if it belongs to `userId` and is not revoked. */
export function findActiveDevice(db: Kysely<Db>, userId: string, deviceId: string): Promise<{ id: string } | undefined> {
  return db
    .selectFrom('devices')
    .select('id')
    .where('id', '=', deviceId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Every device the user ever had, retired ones with `revokedAt` (to verify what they signed). */
export async function listAllDevices(db: Kysely<Db>, userId: string): Promise<DevicePublic[]> {
  const rows = await db
    .selectFrom('devices')
    .select(['id', 'sign_key', 'box_key', 'certificate', 'created_at', 'revoked_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, signKey: r.sign_key, boxKey: r.box_key, certificate: r.certificate, createdAt: r.created_at, revokedAt: r.revoked_at ?? null }));
}

export async function listActiveDevices(db: Kysely<Db>, userId: string): Promise<DevicePublic[]> {
  const rows = await db
    .selectFrom('devices')
    .select(['id', 'sign_key', 'box_key', 'certificate', 'created_at'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, signKey: r.sign_key, boxKey: r.box_key, certificate: r.certificate, createdAt: r.created_at }));
}

/** Active devices of many users in one query (ids in chunks, so SQLite's parameter limit never bites). */
export async function listActiveDevicesOf(db: Kysely<Db>, userIds: string[]): Promise<Map<string, DevicePublic[]>> {
  const out = new Map<string, DevicePublic[]>();
  const unique = [...new Set(userIds)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    const users = await db.selectFrom('users').select('id').where('id', 'in', chunk).execute();
    for (const u of users) out.set(u.id, []);
    const rows = await db
      .selectFrom('devices')
      .select(['user_id', 'id', 'sign_key', 'box_key', 'certificate', 'created_at'])
      .where('user_id', 'in', chunk)
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    for (const r of rows) out.get(r.user_id)?.push({ id: r.id, signKey: r.sign_key, boxKey: r.box_key, certificate: r.certificate, createdAt: r.created_at });
  }
  return out;
}

/**
 * Retire a device: it is no longer listed (so nobody seals new keys for it) and every session on
 * it ends. False when it is not an active device of `userId`.
 */
export async function revokeDevice(db: Kysely<Db>, userId: string, deviceId: string, now: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('devices')
      .set({ revoked_at: now })
      .where('id', '=', deviceId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await trx.updateTable('sessions').set({ revoked_at: now }).where('device_id', '=', deviceId).where('revoked_at', 'is', null).execute();
    return Number(res.numUpdatedRows ?? 0n) === 1;
  });
}
