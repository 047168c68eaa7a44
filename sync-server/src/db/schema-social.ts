// Tables of the social graph (friend requests, friendships, blocks), the search index of display
// names, message-request acceptances, and the contact columns the social migration adds to users.

/** A pending friend request. Accepting, rejecting, cancelling or a block deletes the row. */
export interface FriendRequestsTable {
  id: string;
  from_user: string;
  to_user: string;
  /** "<smaller id>:<larger id>", unique: at most one pending request per pair, whichever way. */
  pair_key: string;
  created_at: number;
}

/** One row per direction: (a, b) and (b, a) are written and deleted together. */
export interface FriendshipsTable {
  user_id: string;
  friend_id: string;
  created_at: number;
}

export interface BlocksTable {
  blocker_id: string;
  blocked_id: string;
  created_at: number;
}

/** "user_id accepted this direct conversation": it is no longer a message request for them. */
export interface ConversationAcceptedByTable {
  conversation_id: string;
  user_id: string;
  accepted_at: number;
}

/**
 * Folded display names for prefix search, kept by the search module itself: a row whose
 * display_name_seen differs from users.display_name (or a missing row) is refreshed before searching.
 */
export interface UserSearchTable {
  user_id: string;
  folded_name: string;
  display_name_seen: string;
}

/**
 * Columns the social migration adds to users. Db's users type belongs to the accounts tables, so
 * queries that need these read them through `db.withTables<{ users: UserContactColumns }>()`.
 */
export interface UserContactColumns {
  /** E.164 ("+84912345678"), unique when set. */
  phone: string | null;
  /** Lower-cased, unique when set. */
  email: string | null;
}

export interface SocialTables {
  friend_requests: FriendRequestsTable;
  friendships: FriendshipsTable;
  blocks: BlocksTable;
  conversation_accepted_by: ConversationAcceptedByTable;
  user_search: UserSearchTable;
}
