// The social graph: friend requests, friendships, blocks, message-request acceptances, the search
// index of folded display names, and contact columns (phone, email) on users for exact search.
// Schema builder only, so the same migration runs on SQLite and PostgreSQL.
import { type ColumnDefinitionBuilder, type Kysely, sql } from 'kysely';
import { isPostgres } from '../engine';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Byte-wise comparison on both engines, as in 0001 (ids, and folded names that page by prefix).
  const text = isPostgres(db) ? sql`text collate "C"` : 'text';
  // A user of the pair: leaving the service removes their requests, friendships and blocks.
  const user = (c: ColumnDefinitionBuilder) => c.notNull().references('users.id').onDelete('cascade');

  await db.schema
    .createTable('friend_requests')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('from_user', text, user)
    .addColumn('to_user', text, user)
    .addColumn('pair_key', text, (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('friend_requests_from_idx').on('friend_requests').columns(['from_user', 'to_user']).execute();
  await db.schema.createIndex('friend_requests_to_idx').on('friend_requests').columns(['to_user', 'from_user']).execute();

  await db.schema
    .createTable('friendships')
    .addColumn('user_id', text, user)
    .addColumn('friend_id', text, user)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('friendships_pk', ['user_id', 'friend_id'])
    .execute();

  await db.schema
    .createTable('blocks')
    .addColumn('blocker_id', text, user)
    .addColumn('blocked_id', text, user)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('blocks_pk', ['blocker_id', 'blocked_id'])
    .execute();
  // "Who blocked me": search and requests filter on it.
  await db.schema.createIndex('blocks_blocked_idx').on('blocks').columns(['blocked_id', 'blocker_id']).execute();

  await db.schema
    .createTable('conversation_accepted_by')
    .addColumn('conversation_id', text, (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('user_id', text, user)
    .addColumn('accepted_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('conversation_accepted_by_pk', ['conversation_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('user_search')
    .addColumn('user_id', text, (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('folded_name', text, (c) => c.notNull())
    .addColumn('display_name_seen', text, (c) => c.notNull())
    .execute();

  await db.schema.alterTable('users').addColumn('phone', text).execute();
  await db.schema.alterTable('users').addColumn('email', text).execute();
  // Unique when set: both engines let any number of rows hold NULL under a unique index.
  await db.schema.createIndex('users_phone_uq').on('users').column('phone').unique().execute();
  await db.schema.createIndex('users_email_uq').on('users').column('email').unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // SQLite refuses to drop an indexed column, so the indexes go first.
  await db.schema.dropIndex('users_email_uq').execute();
  await db.schema.dropIndex('users_phone_uq').execute();
  await db.schema.alterTable('users').dropColumn('email').execute();
  await db.schema.alterTable('users').dropColumn('phone').execute();
  for (const table of ['user_search', 'conversation_accepted_by', 'blocks', 'friendships', 'friend_requests']) {
    await db.schema.dropTable(table).execute();
  }
}
