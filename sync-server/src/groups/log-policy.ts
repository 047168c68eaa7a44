// What the server requires of an entry beyond the shared replay rules: the identity keys it names
// are the registered ones, a create entry fits the conversation it starts, and a direct
// conversation keeps its two members for good.
import { ErrorCode, type LogMember, type MembershipEntry, MekongError } from '@mekong/schema';
import type { Kysely } from 'kysely';
import type { Db } from '../db';
import type { MemberRow } from './log-state';
import { chunks } from './members-sync';

/**
 * Throws unless `entry` suits a conversation of `kind` whose member rows are `rows`. For a direct
 * conversation the shared rules already refuse additions; the server also refuses removals,
 * leaving and role changes, which would leave a pair without its conversation. The last member
 * of a group disbands it rather than leaving an empty group (and its keys) behind.
 */
export function checkShape(kind: 'direct' | 'group', rows: MemberRow[], entry: MembershipEntry): void {
  const c = entry.change;
  if (c.op === 'create') {
    if (c.kind !== kind) throw new MekongError(ErrorCode.BAD_REQUEST, `This conversation is ${kind === 'direct' ? 'a direct one' : 'a group'}: create it with kind '${kind}'.`);
    if (kind === 'direct') {
      const pair = new Set(rows.map((r) => r.user_id));
      if (c.members.length !== pair.size || !c.members.every((m) => pair.has(m.user))) {
        throw new MekongError(ErrorCode.BAD_REQUEST, 'The create entry of a direct conversation must name its two members.');
      }
    }
    return;
  }
  if (kind === 'direct' && c.op !== 'rotate') {
    throw new MekongError(ErrorCode.FORBIDDEN, 'membership change refused: a direct conversation has fixed members', { index: entry.index });
  }
  if (c.op === 'leave' && rows.length === 1) {
    throw new MekongError(ErrorCode.FORBIDDEN, 'membership change refused: the last member disbands the group instead of leaving', { index: entry.index });
  }
}

/** The members an entry introduces, whose identity keys must be checked. */
function introduced(entry: MembershipEntry): LogMember[] {
  const c = entry.change;
  if (c.op === 'create') return c.members;
  if (c.op === 'add') return [c.member];
  return [];
}

/**
 * Throws NOT_FOUND for a member without an account and BAD_REQUEST for an identity key other than
 * the one the user registered: every client would flag such an entry, so it never enters the log.
 */
export async function checkIdentityKeys(db: Kysely<Db>, entry: MembershipEntry): Promise<void> {
  const members = introduced(entry);
  if (members.length === 0) return;
  const registered = new Map<string, string>();
  for (const ids of chunks(members.map((m) => m.user))) {
    const rows = await db.selectFrom('users').select(['id', 'identity_key']).where('id', 'in', ids).execute();
    for (const r of rows) registered.set(r.id, r.identity_key);
  }
  for (const m of members) {
    const key = registered.get(m.user);
    if (key === undefined) throw new MekongError(ErrorCode.NOT_FOUND, 'A member named in the entry has no account; check the user ids.', { user: m.user });
    if (key !== m.identityKey) {
      throw new MekongError(ErrorCode.BAD_REQUEST, "A member's identity key in the entry is not the one that user registered; fetch their profile again.", { user: m.user });
    }
  }
}
