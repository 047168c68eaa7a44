// The check conversations/routes.ts runs before it opens a direct conversation.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { Db } from '../db';
import { noSuchUser } from './errors';
import { blocksBetween, directConversationOf } from './graph';

/**
 * Refuses a NEW direct conversation between users where either blocked the other: the blocker
 * hears FORBIDDEN, the blocked user NOT_FOUND worded exactly like an unknown user. An existing
 * conversation is only looked up again, which tells the caller nothing new, so it passes.
 */
export async function assertMayStartDirect(db: Kysely<Db>, callerId: string, peerId: string): Promise<void> {
  const blocks = await blocksBetween(db, callerId, peerId);
  if (!blocks.mine && !blocks.theirs) return;
  if (await directConversationOf(db, callerId, peerId)) return;
  if (blocks.mine) throw new MekongError(ErrorCode.FORBIDDEN, 'You blocked this user; unblock them to start a conversation.');
  throw noSuchUser();
}
