// HTTP schemas of the social graph: friend requests, friends, suggestions, blocks, user search,
// contact details (/api/users/me/contact) and message requests.
import { z } from 'zod';
import { EpochMillis, ResourceId } from './common';
import { ConversationSummary } from './conversations';
import { UserProfile } from './users';

export { foldVietnamese } from '../text/fold';

/** Most rows in a suggestion list or a search answer. */
export const MAX_SOCIAL_RESULTS = 20;
/** Longest search query, in characters after trimming. */
export const MAX_SEARCH_QUERY = 64;

/** A body naming one other user: POST /api/friends/request, POST /api/blocks. */
export const UserRef = z.strictObject({ userId: ResourceId });
export type UserRef = z.infer<typeof UserRef>;

/** A pending request, seen from one side: `user` is the other person. */
export const FriendRequestEntry = z.object({ id: ResourceId, user: UserProfile, createdAt: EpochMillis });
export type FriendRequestEntry = z.infer<typeof FriendRequestEntry>;

/** One friend and since when. */
export const FriendEntry = z.object({ user: UserProfile, since: EpochMillis });
export type FriendEntry = z.infer<typeof FriendEntry>;

/**
 * Answer of POST /api/friends/request: 201 with a new pending request, 200 with the same pending
 * request when it was already sent, or 200 "friends" when the other side had asked first.
 */
export const SendFriendRequestResponse = z.discriminatedUnion('status', [
  z.object({ status: z.literal('pending'), request: FriendRequestEntry }),
  z.object({ status: z.literal('friends'), friend: FriendEntry }),
]);
export type SendFriendRequestResponse = z.infer<typeof SendFriendRequestResponse>;

export const AcceptFriendRequestResponse = z.object({ friend: FriendEntry });
export type AcceptFriendRequestResponse = z.infer<typeof AcceptFriendRequestResponse>;

export const FriendRequestsResponse = z.object({
  incoming: z.array(FriendRequestEntry),
  outgoing: z.array(FriendRequestEntry),
});
export type FriendRequestsResponse = z.infer<typeof FriendRequestsResponse>;

export const FriendListResponse = z.object({ friends: z.array(FriendEntry) });
export type FriendListResponse = z.infer<typeof FriendListResponse>;

export const FriendSuggestion = z.object({ user: UserProfile, mutualFriends: z.number().int().positive() });
export type FriendSuggestion = z.infer<typeof FriendSuggestion>;

export const FriendSuggestionsResponse = z.object({ suggestions: z.array(FriendSuggestion) });
export type FriendSuggestionsResponse = z.infer<typeof FriendSuggestionsResponse>;

/** Path of routes about one request: /api/friends/request/:id. */
export const RequestIdParam = z.strictObject({ id: ResourceId });
/** Path of DELETE /api/friends/:friendId. */
export const FriendIdParam = z.strictObject({ friendId: ResourceId });
/** Path of routes about a user's own lists; "me" names the caller. */
export const UserIdParam = z.strictObject({ userId: ResourceId });
/** Path of POST /api/message-requests/:conversationId/accept. */
export const ConversationIdParam = z.strictObject({ conversationId: ResourceId });

export const BlockEntry = z.object({ user: UserProfile, since: EpochMillis });
export type BlockEntry = z.infer<typeof BlockEntry>;

/** Answer of POST /api/blocks: 201 for a new block, 200 when it was already in place. */
export const BlockResponse = z.object({ block: BlockEntry });
export type BlockResponse = z.infer<typeof BlockResponse>;

export const BlockListResponse = z.object({ blocks: z.array(BlockEntry) });
export type BlockListResponse = z.infer<typeof BlockListResponse>;

/** Query of GET /api/search/users: 1–64 characters after trimming, no control characters. */
export const SearchUsersQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .min(1)
    .max(MAX_SEARCH_QUERY)
    .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters'),
});
export type SearchUsersQuery = z.infer<typeof SearchUsersQuery>;

/** How the caller stands with a user: "blocked" means the caller blocked them. */
export const Relation = z.enum(['none', 'friend', 'outgoing', 'incoming', 'blocked']);
export type Relation = z.infer<typeof Relation>;

export const UserSearchResult = z.object({
  user: UserProfile,
  relation: Relation,
  /** True when the query equals the username, phone number or email address. */
  exact: z.boolean(),
});
export type UserSearchResult = z.infer<typeof UserSearchResult>;

export const SearchUsersResponse = z.object({ users: z.array(UserSearchResult) });
export type SearchUsersResponse = z.infer<typeof SearchUsersResponse>;

const PHONE_SEPARATORS = /[\s().-]/g;

/**
 * A phone number in international form: "+", a country code and 8–15 digits in all (E.164).
 * Spaces, dots, dashes and parentheses are dropped and a leading "00" reads as "+", so
 * "+84 912-345-678" and "0084912345678" are both stored as "+84912345678".
 */
export const PhoneNumber = z
  .string()
  .max(32)
  .transform((s) => s.replace(PHONE_SEPARATORS, '').replace(/^00/, '+'))
  .pipe(z.string().regex(/^\+[1-9]\d{7,14}$/, 'must be an international number such as +84912345678'));

/** An email address, trimmed and lower-cased so that one address has one spelling. */
export const EmailAddress = z.string().trim().toLowerCase().max(254).pipe(z.email('must be an email address'));

/** PUT /api/users/me/contact: a field left out stays as it is, null clears it. */
export const UpdateContactRequest = z.strictObject({
  phone: PhoneNumber.nullable().optional(),
  email: EmailAddress.nullable().optional(),
});
export type UpdateContactRequest = z.infer<typeof UpdateContactRequest>;

/** The caller's own contact details; never shown to others, only matched exactly by search. */
export const ContactResponse = z.object({ phone: z.string().nullable(), email: z.string().nullable() });
export type ContactResponse = z.infer<typeof ContactResponse>;

/** A direct conversation started by someone who is not a friend and not yet accepted. */
export const MessageRequest = z.object({ conversation: ConversationSummary, from: UserProfile });
export type MessageRequest = z.infer<typeof MessageRequest>;

export const MessageRequestsResponse = z.object({ requests: z.array(MessageRequest) });
export type MessageRequestsResponse = z.infer<typeof MessageRequestsResponse>;
