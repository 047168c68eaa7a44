// Reading a conversation's log state for an append: the head row (locked) and the members as the
// log last left them, which conversation_members mirrors exactly.
import type { LogMember, MembershipState } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { Db } from '../db';

export interface Head {
  kind: 'direct' | 'group';
  length: number;
  head: string;
  epoch: number;
}

export interface MemberRow {
  user_id: string;
  role: LogMember['role'];
  identity_key: string;
}

/**
 * Locks the head row of `conv` for the rest of the transaction and reads it, creating it first for
 * a log that has not started. The no-op update is the portable row lock: on PostgreSQL a second
 * writer waits here and then reads the head the first one committed; SQLite runs one write
 * transaction at a time anyway.
 */
export async function lockHead(trx: Kysely<Db>, conv: string, kind: Head['kind'], now: number): Promise<Head> {
  await trx
    .insertInto('membership_heads')
    .values({ conversation_id: conv, kind, length: 0, head: '', epoch: 0, updated_at: now })
    .onConflict((oc) => oc.column('conversation_id').doNothing())
    .execute();
  return trx
    .updateTable('membership_heads')
    .set((eb) => ({ length: eb.ref('length') }))
    .where('conversation_id', '=', conv)
    .returning(['kind', 'length', 'head', 'epoch'])
    .executeTakeFirstOrThrow();
}

/** Members with their identity keys (the log pins each to the key the server checked at the time). */
export function memberRows(db: Kysely<Db>, conv: string): Promise<MemberRow[]> {
  return db
    .selectFrom('conversation_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 'm.role', 'u.identity_key'])
    .where('m.conversation_id', '=', conv)
    .execute();
}

/**
 * The replay state the next entry is checked against; null for an empty log. `epochMembers` is
 * left empty: the server keeps epoch holders in their own table (see members-sync).
 */
export function stateOf(conv: string, head: Head, rows: MemberRow[]): MembershipState | null {
  if (head.length === 0) return null;
  return {
    conv,
    kind: head.kind,
    members: new Map(rows.map((r) => [r.user_id, { user: r.user_id, identityKey: r.identity_key, role: r.role }])),
    epoch: head.epoch,
    length: head.length,
    head: head.head,
    epochMembers: new Map(),
  };
}

/** The head of a log without locking it; length 0 when it has not started. */
export async function readHead(db: Kysely<Db>, conv: string): Promise<Head | undefined> {
  return db.selectFrom('membership_heads').select(['kind', 'length', 'head', 'epoch']).where('conversation_id', '=', conv).executeTakeFirst();
}
