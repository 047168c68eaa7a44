// HTTP schemas of the conversations service (/api/conversations): 1-1 and group conversations and their members.
import { z } from 'zod';
import { EpochMillis, ResourceId } from './common';

export const ConversationKind = z.enum(['direct', 'group']);
export type ConversationKind = z.infer<typeof ConversationKind>;

export const MemberRole = z.enum(['owner', 'admin', 'member']);
export type MemberRole = z.infer<typeof MemberRole>;

export const ConversationMember = z.object({ userId: ResourceId, role: MemberRole });
export type ConversationMember = z.infer<typeof ConversationMember>;

export const ConversationSummary = z.object({
  id: ResourceId,
  kind: ConversationKind,
  /** Groups only: the group's name. */
  name: z.string().optional(),
  members: z.array(ConversationMember),
  createdAt: EpochMillis,
  /**
   * Entries in the conversation's membership log: a client fetches the log when this exceeds
   * what it has verified. The member list above is the server's view; clients trust the log.
   */
  logLength: z.number().int().nonnegative().optional(),
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const CreateDirectRequest = z.strictObject({ peerUserId: ResourceId });
export type CreateDirectRequest = z.infer<typeof CreateDirectRequest>;

export const ConversationResponse = z.object({ conversation: ConversationSummary });
export type ConversationResponse = z.infer<typeof ConversationResponse>;

/**
 * Answer of POST /api/conversations/direct. `logLength` 0 means nobody has posted the signed
 * `create` entry yet: the caller posts it (POST /api/conversations/:id/log) before sharing keys.
 */
export const CreateDirectResponse = ConversationResponse.extend({ logLength: z.number().int().nonnegative() });
export type CreateDirectResponse = z.infer<typeof CreateDirectResponse>;

export const ConversationListResponse = z.object({ conversations: z.array(ConversationSummary) });
export type ConversationListResponse = z.infer<typeof ConversationListResponse>;
