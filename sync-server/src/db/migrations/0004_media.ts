// Encrypted media: one row per stored blob (who uploaded it, how large) and each user's usage
// against their quota. The blobs themselves live in the blob store. Schema builder only, so the
// same migration runs on SQLite and PostgreSQL.
import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../engine';

export async function up(db: Kysely<unknown>): Promise<void> {
  // byte-wise ordering of ids on PostgreSQL too, as 0001 explains
  const text = isPostgres(db) ? sql`text collate "C"` : 'text';

  await db.schema
    .createTable('media_blobs')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('owner_id', text, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('media_blobs_owner_idx').on('media_blobs').columns(['owner_id', 'created_at']).execute();

  // A row per user who ever uploaded; an upload adds to used_bytes only while it stays within the quota.
  await db.schema
    .createTable('media_usage')
    .addColumn('user_id', text, (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('used_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    // null: the service's default quota applies
    .addColumn('quota_bytes', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('media_usage').execute();
  await db.schema.dropTable('media_blobs').execute();
}
