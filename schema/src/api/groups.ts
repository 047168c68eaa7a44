// HTTP schemas of groups (/api/groups) and of membership logs (/api/conversations/:id/log).
// Members and roles are never sent as plain fields: every change travels as a signed log entry.
import { z } from 'zod';
import { MembershipEntry } from '../membership';
import { EpochMillis, ResourceId } from './common';
import { ConversationMember } from './conversations';

/** Most members of a group, as the membership log allows. */
export const MAX_GROUP_MEMBERS = 1000;
/** Longest group id; the creating client picks it, inside the signed create entry. */
export const MAX_GROUP_ID_CHARS = 64;
export const MAX_GROUP_NAME_CHARS = 100;
export const MAX_GROUP_DESCRIPTION_CHARS = 500;
/**
 * Body limit of POST /api/groups: a create entry naming 1,000 members with 128-character ids
 * (the longest) is about 216 KB; name, description, certificate and signature add a few more.
 */
export const MAX_CREATE_GROUP_BYTES = 256 * 1024;
/** Most entries in one page of GET /api/conversations/:id/log. */
export const MAX_LOG_PAGE = 1000;

export const GroupId = ResourceId.max(MAX_GROUP_ID_CHARS);

const noControl = /^[^\p{Cc}]*$/u;

/** 1–100 characters after trimming, without control characters. */
export const GroupName = z.string().trim().min(1).max(MAX_GROUP_NAME_CHARS).regex(noControl, 'must not contain control characters');
/** Up to 500 characters; line breaks are allowed, other control characters are not. */
export const GroupDescription = z
  .string()
  .trim()
  .max(MAX_GROUP_DESCRIPTION_CHARS)
  .regex(/^(?:[^\p{Cc}]|\n)*$/u, 'must not contain control characters other than line breaks');
/** The blob id of an (encrypted) avatar image, or null for none. */
export const GroupAvatar = ResourceId.nullable();

export const CreateGroupRequest = z.strictObject({
  name: GroupName,
  description: GroupDescription.nullable().optional(),
  avatar: GroupAvatar.optional(),
  /** The signed `create` entry of kind 'group': the caller is its one owner; `entry.conv` is the new group's id. */
  entry: MembershipEntry,
});
export type CreateGroupRequest = z.infer<typeof CreateGroupRequest>;

export const UpdateGroupRequest = z
  .strictObject({ name: GroupName.optional(), description: GroupDescription.nullable().optional(), avatar: GroupAvatar.optional() })
  .refine((b) => b.name !== undefined || b.description !== undefined || b.avatar !== undefined, 'name, description or avatar is required');
export type UpdateGroupRequest = z.infer<typeof UpdateGroupRequest>;

/** The body of every route that appends one entry to a membership log. */
export const LogEntryRequest = z.strictObject({ entry: MembershipEntry });
export type LogEntryRequest = z.infer<typeof LogEntryRequest>;

/** What an append left: the log's new length and current epoch. */
export const LogAppendResponse = z.object({ length: z.number().int().positive(), epoch: z.number().int().positive() });
export type LogAppendResponse = z.infer<typeof LogAppendResponse>;

export const Group = z.object({
  id: GroupId,
  name: z.string(),
  description: z.string().nullable(),
  avatar: z.string().nullable(),
  createdAt: EpochMillis,
  /** As the server derived them from the log; clients derive their own from the verified log. */
  members: z.array(ConversationMember),
  epoch: z.number().int().positive(),
  logLength: z.number().int().positive(),
});
export type Group = z.infer<typeof Group>;

export const GroupResponse = z.object({ group: Group });
export type GroupResponse = z.infer<typeof GroupResponse>;

export const GroupMemberParam = z.strictObject({ id: ResourceId, userId: ResourceId });
export type GroupMemberParam = z.infer<typeof GroupMemberParam>;

/** `after`: how many entries the client already holds (entries with index >= after come back). */
export const LogQuery = z.strictObject({
  after: z.coerce.number().int().min(0).max(2 ** 31 - 1).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LOG_PAGE).optional(),
});
export type LogQuery = z.infer<typeof LogQuery>;

export const LogResponse = z.object({
  entries: z.array(MembershipEntry),
  /** Length of the whole log: keep reading with after = (after + entries.length) until it is reached. */
  length: z.number().int().nonnegative(),
});
export type LogResponse = z.infer<typeof LogResponse>;
