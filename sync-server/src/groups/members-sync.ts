// Keeps conversation_members (what the relay's directory checks) equal to the members the log
// derives, and records who held each epoch. Runs inside the append transaction.
import type { MembershipEntry, MembershipState } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { Db } from '../db';
import type { MemberRow } from './log-state';

/** Rows per INSERT, well under the bound-parameter limits of SQLite and PostgreSQL. */
const CHUNK = 250;

export function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Brings the member rows from `rows` (what the table holds) to `next.members`, touching only what differs. */
export async function syncMembers(trx: Kysely<Db>, conv: string, rows: MemberRow[], next: MembershipState, now: number): Promise<void> {
  const before = new Map(rows.map((r) => [r.user_id, r.role]));
  const added = [...next.members.values()].filter((m) => !before.has(m.user));
  const gone = rows.filter((r) => !next.members.has(r.user_id)).map((r) => r.user_id);
  const changed = [...next.members.values()].filter((m) => before.has(m.user) && before.get(m.user) !== m.role);

  for (const ids of chunks(gone)) {
    await trx.deleteFrom('conversation_members').where('conversation_id', '=', conv).where('user_id', 'in', ids).execute();
  }
  for (const batch of chunks(added)) {
    await trx
      .insertInto('conversation_members')
      .values(batch.map((m) => ({ conversation_id: conv, user_id: m.user, role: m.role, joined_at: now })))
      .execute();
  }
  for (const m of changed) {
    await trx.updateTable('conversation_members').set({ role: m.role }).where('conversation_id', '=', conv).where('user_id', '=', m.user).execute();
  }
}

/**
 * Records who may hold the key of the current epoch: everyone, when the entry started an epoch;
 * the new member, when it added one (they receive the current key from then on).
 */
export async function recordEpochHolders(trx: Kysely<Db>, conv: string, prev: MembershipState | null, next: MembershipState, entry: MembershipEntry): Promise<void> {
  const slot = ['conversation_id', 'epoch', 'user_id'] as const;
  if (!prev || prev.epoch !== next.epoch) {
    // copied inside the database from the member rows syncMembers just wrote: one statement
    // however large the group, instead of sending every id back
    await trx
      .insertInto('membership_epochs')
      .columns([...slot])
      .expression((eb) =>
        eb
          .selectFrom('conversation_members')
          .select((s) => [s.val(conv).as('conversation_id'), s.val(next.epoch).as('epoch'), 'user_id'])
          .where('conversation_id', '=', conv),
      )
      .onConflict((oc) => oc.columns([...slot]).doNothing())
      .execute();
  } else if (entry.change.op === 'add') {
    await trx
      .insertInto('membership_epochs')
      .values({ conversation_id: conv, epoch: next.epoch, user_id: entry.change.member.user })
      .onConflict((oc) => oc.columns([...slot]).doNothing())
      .execute();
  }
}
