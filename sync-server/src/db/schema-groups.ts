// Tables of groups and membership logs. Times are milliseconds since the epoch.

/** The directory entry of a group: what the server may know about it (never its content or keys). */
export interface GroupsTable {
  /** The conversation id, picked by the creating client inside the signed create entry. */
  id: string;
  name: string;
  description: string | null;
  /** Blob id of the encrypted avatar. */
  avatar: string | null;
  created_at: number;
  updated_at: number;
}

/** The signed membership log of a conversation, one row per entry, in order. */
export interface MembershipLogTable {
  conversation_id: string;
  /** The entry's index: 0, 1, 2... without holes. */
  idx: number;
  /** The entry as JSON, served back as it came. */
  entry: string;
  /** Chain hash of the entry (base64url), what the next entry's `prev` must be. */
  hash: string;
  created_at: number;
}

/**
 * Where each log ends: a write locks this row first, so appends to one conversation queue up
 * and an entry that does not extend the head it read is refused rather than forking the log.
 */
export interface MembershipHeadsTable {
  conversation_id: string;
  kind: 'direct' | 'group';
  /** Entries in the log; 0 while a direct conversation waits for its create entry. */
  length: number;
  /** Hash of the last entry; empty while the log is empty. */
  head: string;
  /** Current key epoch; 0 while the log is empty. */
  epoch: number;
  updated_at: number;
}

/** Who was a member while an epoch was current: the only users its key may be sealed to or by. */
export interface MembershipEpochsTable {
  conversation_id: string;
  epoch: number;
  user_id: string;
}

/** Ids of disbanded groups, never handed out again so that no old log can come back under them. */
export interface GroupTombstonesTable {
  id: string;
  disbanded_at: number;
}

export interface GroupTables {
  groups: GroupsTable;
  membership_log: MembershipLogTable;
  membership_heads: MembershipHeadsTable;
  membership_epochs: MembershipEpochsTable;
  group_tombstones: GroupTombstonesTable;
}
