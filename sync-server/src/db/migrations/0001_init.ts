// First schema: accounts, devices, sessions, 1-1 conversations, key envelopes and key backups.
// Written with the schema builder only, so the same migration runs on SQLite and PostgreSQL.
import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../engine';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Text compares byte by byte on SQLite. PostgreSQL would use the database's locale, where
  // 'B' < 'a' may not hold and '-' or '_' may be skipped: ids would page in another order there.
  const text = isPostgres(db) ? sql`text collate "C"` : 'text';

  await db.schema
    .createTable('users')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('username', text, (c) => c.notNull().unique())
    .addColumn('display_name', text, (c) => c.notNull())
    .addColumn('identity_key', text, (c) => c.notNull())
    .addColumn('password_hash', text, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('devices')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('user_id', text, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('sign_key', text, (c) => c.notNull())
    .addColumn('box_key', text, (c) => c.notNull())
    .addColumn('certificate', text, (c) => c.notNull())
    .addColumn('name', text)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('devices_user_idx').on('devices').column('user_id').execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('user_id', text, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('device_id', text, (c) => c.references('devices.id').onDelete('cascade'))
    .addColumn('refresh_hash', text, (c) => c.notNull().unique())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('rotated_refresh_tokens')
    .addColumn('hash', text, (c) => c.primaryKey())
    .addColumn('session_id', text, (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('rotated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('rotated_refresh_tokens_session_idx')
    .on('rotated_refresh_tokens')
    .column('session_id')
    .execute();

  await db.schema
    .createTable('conversations')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('pair_key', text, (c) => c.unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', text, (c) => c.notNull().references('users.id'))
    .execute();

  await db.schema
    .createTable('conversation_members')
    .addColumn('conversation_id', text, (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('user_id', text, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', text, (c) => c.notNull())
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('conversation_members_pk', ['conversation_id', 'user_id'])
    .execute();
  await db.schema.createIndex('conversation_members_user_idx').on('conversation_members').column('user_id').execute();

  await db.schema
    .createTable('key_envelopes')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('conversation_id', text, (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('recipient_device', text, (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('sender_device', text, (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('data', text, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('key_envelopes_slot_uq', ['conversation_id', 'epoch', 'recipient_device'])
    .execute();
  // Serves GET /api/keys: every envelope of one device, paged by (conversation, epoch).
  await db.schema
    .createIndex('key_envelopes_recipient_idx')
    .on('key_envelopes')
    .columns(['recipient_device', 'conversation_id', 'epoch'])
    .execute();

  await db.schema
    .createTable('key_backups')
    .addColumn('user_id', text, (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('data', text, (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'key_backups',
    'key_envelopes',
    'conversation_members',
    'conversations',
    'rotated_refresh_tokens',
    'sessions',
    'devices',
    'users',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
