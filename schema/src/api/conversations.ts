// HTTP schemas of the conversations service (/api/conversations): 1-1 conversations and their members.
import { z } from 'zod';
import { EpochMillis, ResourceId } from './common';

export const ConversationKind = z.enum(['direct']);
export type ConversationKind = z.infer<typeof ConversationKind>;

export const MemberRole = z.enum(['owner', 'admin', 'member']);
export type MemberRole = z.infer<typeof MemberRole>;

export const ConversationMember = z.object({ userId: ResourceId, role: MemberRole });
export type ConversationMember = z.infer<typeof ConversationMember>;

export const ConversationSummary = z.object({
  id: ResourceId,
  kind: ConversationKind,
  members: z.array(ConversationMember),
  createdAt: EpochMillis,
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const CreateDirectRequest = z.strictObject({ peerUserId: ResourceId });
export type CreateDirectRequest = z.infer<typeof CreateDirectRequest>;

export const ConversationResponse = z.object({ conversation: ConversationSummary });
export type ConversationResponse = z.infer<typeof ConversationResponse>;

export const ConversationListResponse = z.object({ conversations: z.array(ConversationSummary) });
export type ConversationListResponse = z.infer<typeof ConversationListResponse>;
