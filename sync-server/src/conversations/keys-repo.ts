// Sealed epoch-key envelopes: stored per (conversation, epoch, recipient device), first write wins.
import { type DeviceKeyEnvelope, ErrorCode, type KeyEnvelope, MekongError, type NewKeyEnvelope } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { Db } from '../db';
import { newId } from '../ids';

/** Rows per INSERT, well under the bound-parameter limits of SQLite and PostgreSQL. */
const CHUNK = 250;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Throws FORBIDDEN unless every id is an active device of a current member of the conversation. */
async function requireMemberDevices(db: Kysely<Db>, conversationId: string, deviceIds: string[]): Promise<void> {
  let found = 0;
  for (const ids of chunks(deviceIds)) {
    const rows = await db
      .selectFrom('devices as d')
      .innerJoin('conversation_members as m', 'm.user_id', 'd.user_id')
      .select('d.id')
      .where('m.conversation_id', '=', conversationId)
      .where('d.revoked_at', 'is', null)
      .where('d.id', 'in', ids)
      .execute();
    found += rows.length;
  }
  if (found !== deviceIds.length) {
    throw new MekongError(ErrorCode.FORBIDDEN, 'Every recipient must be an active device of a member of this conversation.');
  }
}

/**
 * Store envelopes from `senderDevice`. All or nothing: one recipient outside the conversation
 * rejects the batch. An envelope already stored for the same slot is kept, so retries are harmless.
 */
export async function storeEnvelopes(
  db: Kysely<Db>,
  conversationId: string,
  senderDevice: string,
  envelopes: NewKeyEnvelope[],
  now: number,
): Promise<void> {
  const recipients = [...new Set(envelopes.map((e) => e.recipientDevice))];
  await db.transaction().execute(async (trx) => {
    await requireMemberDevices(trx, conversationId, recipients);
    for (const batch of chunks(envelopes)) {
      await trx
        .insertInto('key_envelopes')
        .values(
          batch.map((e) => ({
            id: newId(),
            conversation_id: conversationId,
            epoch: e.epoch,
            recipient_device: e.recipientDevice,
            sender_device: senderDevice,
            data: e.data,
            created_at: now,
          })),
        )
        .onConflict((oc) => oc.columns(['conversation_id', 'epoch', 'recipient_device']).doNothing())
        .execute();
    }
  });
}

export async function envelopesFor(db: Kysely<Db>, conversationId: string, deviceId: string): Promise<KeyEnvelope[]> {
  const rows = await db
    .selectFrom('key_envelopes')
    .select(['epoch', 'sender_device', 'data'])
    .where('conversation_id', '=', conversationId)
    .where('recipient_device', '=', deviceId)
    .orderBy('epoch')
    .execute();
  return rows.map((r) => ({ epoch: r.epoch, senderDevice: r.sender_device, data: r.data }));
}

export interface KeysCursor {
  conversationId: string;
  epoch: number;
}

/**
 * One page of the device's envelopes across the conversations its user is still in, ordered
 * by (conversation, epoch): that pair is unique per device, so it is the cursor.
 */
export async function deviceEnvelopesPage(
  db: Kysely<Db>,
  userId: string,
  deviceId: string,
  after: KeysCursor | undefined,
  limit: number,
): Promise<{ envelopes: DeviceKeyEnvelope[]; last: KeysCursor | undefined }> {
  let query = db
    .selectFrom('key_envelopes as e')
    .innerJoin('conversation_members as m', (j) => j.onRef('m.conversation_id', '=', 'e.conversation_id').on('m.user_id', '=', userId))
    .select(['e.conversation_id', 'e.epoch', 'e.sender_device', 'e.data'])
    .where('e.recipient_device', '=', deviceId);
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('e.conversation_id', '>', after.conversationId),
        eb.and([eb('e.conversation_id', '=', after.conversationId), eb('e.epoch', '>', after.epoch)]),
      ]),
    );
  }
  const rows = await query.orderBy('e.conversation_id').orderBy('e.epoch').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const tail = page[page.length - 1];
  return {
    envelopes: page.map((r) => ({ conversationId: r.conversation_id, epoch: r.epoch, senderDevice: r.sender_device, data: r.data })),
    last: rows.length > limit && tail ? { conversationId: tail.conversation_id, epoch: tail.epoch } : undefined,
  };
}
