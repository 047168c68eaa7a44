// Which epoch keys may travel between whom, once a conversation has a membership log: an epoch the
// log has started, sealed by someone who held it, to a device of someone who held it. So a member
// added today cannot be handed the keys of epochs from before they joined, and a key of the
// current epoch cannot go to anyone the log does not name.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { Db } from '../db';
import { chunks } from './members-sync';

export interface EnvelopeSlot {
  epoch: number;
  recipientDevice: string;
}

/**
 * Throws FORBIDDEN unless every envelope respects the log of `conv`. A conversation whose log has
 * not started (a direct one awaiting its create entry) is left to the member check alone.
 */
export async function checkEnvelopeEpochs(db: Kysely<Db>, conv: string, senderUser: string, envelopes: EnvelopeSlot[]): Promise<void> {
  const head = await db.selectFrom('membership_heads').select(['length', 'epoch']).where('conversation_id', '=', conv).executeTakeFirst();
  if (!head || head.length === 0) return;
  const epochs = [...new Set(envelopes.map((e) => e.epoch))];
  const ahead = epochs.find((e) => e < 1 || e > head.epoch);
  if (ahead !== undefined) {
    throw new MekongError(ErrorCode.FORBIDDEN, `Epoch ${ahead} is not in the membership log (current: ${head.epoch}); append the entry that starts it first.`);
  }

  const owner = new Map<string, string>();
  for (const ids of chunks([...new Set(envelopes.map((e) => e.recipientDevice))])) {
    for (const d of await db.selectFrom('devices').select(['id', 'user_id']).where('id', 'in', ids).execute()) owner.set(d.id, d.user_id);
  }
  const users = [...new Set([senderUser, ...owner.values()])];
  const held = new Set<string>();
  for (const ids of chunks(users)) {
    const rows = await db
      .selectFrom('membership_epochs')
      .select(['epoch', 'user_id'])
      .where('conversation_id', '=', conv)
      .where('epoch', 'in', epochs)
      .where('user_id', 'in', ids)
      .execute();
    for (const r of rows) held.add(`${r.epoch}:${r.user_id}`);
  }
  for (const e of envelopes) {
    if (!held.has(`${e.epoch}:${senderUser}`)) {
      throw new MekongError(ErrorCode.FORBIDDEN, `You were not a member during epoch ${e.epoch}, so you cannot share its key.`);
    }
    const recipient = owner.get(e.recipientDevice);
    // an unknown device is refused by the member-device check that follows
    if (recipient !== undefined && !held.has(`${e.epoch}:${recipient}`)) {
      throw new MekongError(ErrorCode.FORBIDDEN, `A recipient was not a member during epoch ${e.epoch}; share only the keys of epochs they belong to.`);
    }
  }
}
