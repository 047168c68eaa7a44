// Groups and membership logs: the group directory, the signed log of every conversation, the head
// each log ends at, and who held each key epoch. Schema builder only, so it runs on SQLite and PostgreSQL.
import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../engine';

export async function up(db: Kysely<unknown>): Promise<void> {
  // byte-wise ordering of ids on PostgreSQL too, as 0001 explains
  const text = isPostgres(db) ? sql`text collate "C"` : 'text';
  const conversation = (name: string) =>
    db.schema.createTable(name).addColumn('conversation_id', text, (c) => c.notNull().references('conversations.id').onDelete('cascade'));

  await db.schema
    .createTable('groups')
    .addColumn('id', text, (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('description', text)
    .addColumn('avatar', text)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await conversation('membership_log')
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('entry', text, (c) => c.notNull())
    .addColumn('hash', text, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('membership_log_pk', ['conversation_id', 'idx'])
    .execute();

  await db.schema
    .createTable('membership_heads')
    .addColumn('conversation_id', text, (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('length', 'integer', (c) => c.notNull())
    .addColumn('head', text, (c) => c.notNull())
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await conversation('membership_epochs')
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('user_id', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('membership_epochs_pk', ['conversation_id', 'epoch', 'user_id'])
    .execute();

  await db.schema
    .createTable('group_tombstones')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('disbanded_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['group_tombstones', 'membership_epochs', 'membership_heads', 'membership_log', 'groups']) {
    await db.schema.dropTable(table).execute();
  }
}
