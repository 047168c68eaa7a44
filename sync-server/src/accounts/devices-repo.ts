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
