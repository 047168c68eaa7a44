// Row types of the service database, shared by every query. Times are milliseconds since the epoch.
//
// Timestamps and versions are BIGINT columns read as JavaScript numbers: better-sqlite3 does
// so already; on PostgreSQL, openPostgres gives its pool an int8 parser (pg defaults to strings).
import type { GroupTables } from './schema-groups';
import type { MediaTables } from './schema-media';
import type { SocialTables } from './schema-social';

export interface UsersTable {
  id: string;
  /** Lower-cased at the edge, unique. */
  username: string;
  display_name: string;
  identity_key: string;
  /** Argon2id string of the login secret (never of the password, which never reaches us). */
  password_hash: string;
  created_at: number;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  sign_key: string;
  box_key: string;
  certificate: string;
  name: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  /** Null until the client registers a device for this session. */
  device_id: string | null;
  /** SHA-256 (base64url) of the current refresh token. */
  refresh_hash: string;
  expires_at: number;
  revoked_at: number | null;
  created_at: number;
}

/** Hashes of refresh tokens that were already exchanged; seeing one again means a stolen token. */
export interface RotatedRefreshTokensTable {
  hash: string;
  session_id: string;
  rotated_at: number;
}

export interface ConversationsTable {
  id: string;
  kind: 'direct' | 'group';
  /** "<smaller user id>:<larger user id>" for direct conversations: one per unordered pair. */
  pair_key: string | null;
  created_at: number;
  created_by: string;
}

export interface ConversationMembersTable {
  conversation_id: string;
  user_id: string;
  role: 'owner' | 'admin' | 'member';
  joined_at: number;
}

export interface KeyEnvelopesTable {
  id: string;
  conversation_id: string;
  epoch: number;
  recipient_device: string;
  sender_device: string;
  data: string;
  created_at: number;
}

export interface KeyBackupsTable {
  user_id: string;
  version: number;
  data: string;
  updated_at: number;
}

export interface Db extends SocialTables, GroupTables, MediaTables {
  users: UsersTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  rotated_refresh_tokens: RotatedRefreshTokensTable;
  conversations: ConversationsTable;
  conversation_members: ConversationMembersTable;
  key_envelopes: KeyEnvelopesTable;
  key_backups: KeyBackupsTable;
}
