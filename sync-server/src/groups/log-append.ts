// Appending one signed entry to a conversation's membership log: checked against the head it must
// extend, the shared replay rules and the server's policy, then stored with the member rows and
// epoch holders it implies, all in one transaction.
import { applyEntry, ErrorCode, type MembershipEntry, type MembershipState, MekongError } from '@mekong/schema';
import type { Joined, Revocation } from '@mekong/relay';
import type { Kysely } from 'kysely';
import { type Db, inTransaction } from '../db';
import type { ServiceDeps } from '../deps';
import { announce, hintChanged, hintJoins } from '../revocation';
import { type EntryAuthor, logCryptoReady, serverLogCrypto } from './log-crypto';
import { checkIdentityKeys, checkShape } from './log-policy';
import { lockHead, memberRows, stateOf } from './log-state';
import { recordEpochHolders, syncMembers } from './members-sync';

export interface AppendInput {
  conv: string;
  entry: MembershipEntry;
  /** The authenticated caller: the only author the entry may name. */
  author: EntryAuthor;
  now: number;
}

/** The users an entry takes out of the conversation: the removed member, or the one leaving. */
export function departedBy(entry: MembershipEntry): string[] {
  if (entry.change.op === 'remove') return [entry.change.user];
  if (entry.change.op === 'leave') return [entry.by.user];
  return [];
}

/** Member revocations for what `entry` (already committed) took away. */
export function departures(conv: string, entry: MembershipEntry): Revocation[] {
  return departedBy(entry).map((userId) => ({ kind: 'member', conversationId: conv, userId }));
}

/**
 * The users an entry brings into the conversation: every member of a group's `create` (the creator
 * too, for their other devices) and the member an `add` names. A direct conversation's `create`
 * brings nobody: its two members were filed when the pair's conversation was made.
 */
export function arrivedBy(entry: MembershipEntry): string[] {
  const change = entry.change;
  if (change.op === 'add') return [change.member.user];
  if (change.op === 'create' && change.kind === 'group') return change.members.map((m) => m.user);
  return [];
}

/** Join hints for what `entry` (already committed) gave. */
export function arrivals(conv: string, entry: MembershipEntry): Joined[] {
  return arrivedBy(entry).map((userId) => ({ kind: 'joined', conversationId: conv, userId }));
}

/**
 * Tells the relays what a committed `entry` did: member revocations for whoever it took out (awaited,
 * see `announce`), join hints for whoever it brought in, and a change hint for the devices that
 * follow the conversation (not for a `create`: nobody follows it yet). Never throws.
 */
export async function announceEntry(deps: Pick<ServiceDeps, 'revocations' | 'logger'>, conv: string, entry: MembershipEntry): Promise<void> {
  await announce(deps.revocations, deps.logger, departures(conv, entry));
  hintJoins(deps.revocations, deps.logger, arrivals(conv, entry));
  // the others see the new member list, roles or epoch now rather than at their next poll
  if (entry.change.op !== 'create') hintChanged(deps.revocations, deps.logger, conv);
}

/**
 * Appends `entry` to the log of `conv` and returns the state after it.
 * @throws NOT_FOUND (no such conversation), FORBIDDEN (another conversation's entry, or a change the
 * rules refuse, with the reason), CONFLICT (the entry does not extend the current head: refetch and
 * retry), BAD_REQUEST / NOT_FOUND (members whose identity keys or accounts do not check out).
 */
export async function appendEntry(db: Kysely<Db>, input: AppendInput): Promise<MembershipState> {
  const { conv, entry, author, now } = input;
  await logCryptoReady();
  if (entry.conv !== conv) throw new MekongError(ErrorCode.FORBIDDEN, 'entry belongs to another conversation', { index: entry.index });
  return inTransaction(db, async (trx) => {
    const row = await trx.selectFrom('conversations').select('kind').where('id', '=', conv).executeTakeFirst();
    if (!row) throw new MekongError(ErrorCode.NOT_FOUND, 'There is no such conversation.');
    const head = await lockHead(trx, conv, row.kind, now);
    if (entry.index !== head.length || entry.prev !== head.head) {
      throw new MekongError(ErrorCode.CONFLICT, 'The membership log has moved on; fetch the new entries, re-sign the change on top of them and retry.', {
        length: head.length,
      });
    }
    const rows = await memberRows(trx, conv);
    const prev = stateOf(conv, head, rows);
    const next = applyEntry(prev, entry, serverLogCrypto(author), conv);
    checkShape(row.kind, rows, entry);
    await checkIdentityKeys(trx, entry);

    await trx.insertInto('membership_log').values({ conversation_id: conv, idx: entry.index, entry: JSON.stringify(entry), hash: next.head, created_at: now }).execute();
    await trx
      .updateTable('membership_heads')
      .set({ length: next.length, head: next.head, epoch: next.epoch, kind: next.kind, updated_at: now })
      .where('conversation_id', '=', conv)
      .execute();
    await syncMembers(trx, conv, rows, next, now);
    await recordEpochHolders(trx, conv, prev, next, entry);
    return next;
  });
}
