// Conversation membership as the relay sees it: who may subscribe to and push into a conversation.
import type { Kysely } from 'kysely';
import type { Db } from './db';

export interface Directory {
  isMember(conversationId: string, userId: string): Promise<boolean>;
  /** User ids of the current members; empty for an unknown conversation. */
  membersOf(conversationId: string): Promise<string[]>;
}

export function createDirectory(db: Kysely<Db>): Directory {
  return {
    async isMember(conversationId, userId) {
      const row = await db
        .selectFrom('conversation_members')
        .select('user_id')
        .where('conversation_id', '=', conversationId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (!row) return false;
      // in a 1-1 conversation, someone the other person blocked can no longer reach them
      const blocked = await db
        .selectFrom('conversations')
        .innerJoin('conversation_members as other', 'other.conversation_id', 'conversations.id')
        .innerJoin('blocks', (j) => j.onRef('blocks.blocker_id', '=', 'other.user_id').on('blocks.blocked_id', '=', userId))
        .select('blocks.blocker_id')
        .where('conversations.id', '=', conversationId)
        .where('conversations.kind', '=', 'direct')
        .where('other.user_id', '!=', userId)
        .executeTakeFirst();
      return blocked === undefined;
    },
    async membersOf(conversationId) {
      const rows = await db
        .selectFrom('conversation_members')
        .select('user_id')
        .where('conversation_id', '=', conversationId)
        .orderBy('user_id')
        .execute();
      return rows.map((r) => r.user_id);
    },
  };
}
