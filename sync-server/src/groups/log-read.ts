// Reading a membership log back, page by page, exactly as the entries were sent.
import type { Kysely } from 'kysely';
import type { Db } from '../db';

/** Entries with index >= `after` (at most `limit`) as their stored JSON, and the log's length. */
export async function readLog(db: Kysely<Db>, conv: string, after: number, limit: number): Promise<{ entries: string[]; length: number }> {
  const rows = await db
    .selectFrom('membership_log')
    .select('entry')
    .where('conversation_id', '=', conv)
    .where('idx', '>=', after)
    .orderBy('idx')
    .limit(limit)
    .execute();
  const head = await db.selectFrom('membership_heads').select('length').where('conversation_id', '=', conv).executeTakeFirst();
  return { entries: rows.map((r) => r.entry), length: head?.length ?? 0 };
}

/** Entries in the log of `conv`; 0 while a direct conversation waits for its create entry. */
export async function logLength(db: Kysely<Db>, conv: string): Promise<number> {
  const head = await db.selectFrom('membership_heads').select('length').where('conversation_id', '=', conv).executeTakeFirst();
  return head?.length ?? 0;
}
