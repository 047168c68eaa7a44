// Replaying a membership log: the rules of who may change what, as pure functions. The caller
// supplies the cryptography (signature and certificate checks, hashing), so the same rules run
// in clients (which verify everything) and in the server (which enforces them for access).
import { ErrorCode, MekongError } from '../errors';
import { canonicalEntry, type LogMember, type MembershipEntry, type Role } from './entry';

export interface MembershipState {
  conv: string;
  kind: 'direct' | 'group';
  members: Map<string, LogMember>;
  epoch: number;
  /** number of entries applied */
  length: number;
  /** hash of the last entry (base64url) */
  head: string;
  /** the epoch each entry index started, for "which members could hold epoch N" */
  epochMembers: Map<number, Set<string>>;
}

export interface LogCrypto {
  /**
   * Throw unless `entry.deviceCert` certifies `entry.by.device` for `entry.by.user` under
   * `identityKey`, and `entry.sig` verifies under that device's key over canonicalEntry(entry).
   */
  verifyEntry(entry: MembershipEntry, identityKey: string): void;
  /** base64url hash of canonicalEntry(entry) ‖ sig */
  hashEntry(entry: MembershipEntry): string;
}

const reject = (msg: string, details?: Record<string, unknown>) => new MekongError(ErrorCode.FORBIDDEN, msg, details);

const RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

/** May `actor` make this change, given the state before it? Returns a reason when not. */
export function authorize(state: MembershipState | null, e: MembershipEntry): string | null {
  const c = e.change;
  if (!state) {
    if (c.op !== 'create') return 'the first entry must create the conversation';
    const owners = c.members.filter((m) => m.role === 'owner');
    if (owners.length !== 1 || owners[0]!.user !== e.by.user) return 'the creator must be the one owner';
    if (new Set(c.members.map((m) => m.user)).size !== c.members.length) return 'a member is listed twice';
    if (c.kind === 'direct' && c.members.length !== 2) return 'a direct conversation has exactly two members';
    return null;
  }
  const actor = state.members.get(e.by.user);
  if (!actor) return 'the author is not a member';
  switch (c.op) {
    case 'create':
      return 'the conversation already exists';
    case 'add':
      if (state.kind === 'direct') return 'a direct conversation has fixed members';
      if (RANK[actor.role] < RANK.admin) return 'only admins and the owner add members';
      if (state.members.has(c.member.user)) return 'already a member';
      if (c.member.role === 'owner') return 'nobody joins as owner';
      if (c.member.role === 'admin' && actor.role !== 'owner') return 'only the owner adds admins';
      if (state.members.size >= 1000) return 'a group has at most 1,000 members';
      return null;
    case 'remove': {
      const target = state.members.get(c.user);
      if (!target) return 'not a member';
      if (c.user === e.by.user) return 'use leave to leave';
      if (RANK[actor.role] <= RANK[target.role] || RANK[actor.role] < RANK.admin) return 'not allowed to remove this member';
      return c.epoch === state.epoch + 1 ? null : 'a removal must start the next epoch';
    }
    case 'leave':
      if (actor.role === 'owner' && state.members.size > 1) return 'the owner hands over ownership before leaving';
      return c.epoch === state.epoch + 1 ? null : 'leaving must start the next epoch';
    case 'role': {
      const target = state.members.get(c.user);
      if (!target) return 'not a member';
      if (actor.role !== 'owner') return 'only the owner changes roles';
      if (c.user === e.by.user) return 'the owner hands over ownership by making someone else owner';
      return null;
    }
    case 'rotate':
      return c.epoch === state.epoch + 1 ? null : 'a rotation must start the next epoch';
  }
}

/** Apply one entry after checking chain, signature and authorization; returns the new state. */
export function applyEntry(state: MembershipState | null, e: MembershipEntry, crypto: LogCrypto, conv: string): MembershipState {
  if (e.conv !== conv) throw reject('entry belongs to another conversation', { index: e.index });
  const expectedIndex = state ? state.length : 0;
  if (e.index !== expectedIndex) throw reject('entry out of order', { index: e.index, expected: expectedIndex });
  if (e.prev !== (state ? state.head : '')) throw reject('entry does not chain to the previous one', { index: e.index });
  const why = authorize(state, e);
  if (why) throw reject(`membership change refused: ${why}`, { index: e.index });
  const c = e.change;
  const identityKey = state ? state.members.get(e.by.user)!.identityKey : c.op === 'create' ? c.members.find((m) => m.user === e.by.user)!.identityKey : '';
  crypto.verifyEntry(e, identityKey);
  const next: MembershipState = state
    ? { ...state, members: new Map(state.members), epochMembers: new Map(state.epochMembers) }
    : { conv, kind: 'group', members: new Map(), epoch: 1, length: 0, head: '', epochMembers: new Map() };
  switch (c.op) {
    case 'create':
      next.kind = c.kind;
      for (const m of c.members) next.members.set(m.user, m);
      break;
    case 'add':
      next.members.set(c.member.user, c.member);
      break;
    case 'remove':
      next.members.delete(c.user);
      next.epoch = c.epoch;
      break;
    case 'leave':
      next.members.delete(e.by.user);
      next.epoch = c.epoch;
      break;
    case 'role': {
      const target = next.members.get(c.user)!;
      next.members.set(c.user, { ...target, role: c.role });
      if (c.role === 'owner') {
        const actor = next.members.get(e.by.user)!;
        next.members.set(e.by.user, { ...actor, role: 'admin' });
      }
      break;
    }
    case 'rotate':
      next.epoch = c.epoch;
      break;
  }
  // an add does not start an epoch: the new member receives the current key (and so can read
  // from the moment they joined); removals and rotations do
  const holders = next.epochMembers.get(next.epoch) ?? new Set<string>();
  for (const u of next.members.keys()) holders.add(u);
  next.epochMembers.set(next.epoch, holders);
  next.length = expectedIndex + 1;
  next.head = crypto.hashEntry(e);
  return next;
}

/** Replay a whole log from its first entry. */
export function replayLog(entries: MembershipEntry[], crypto: LogCrypto, conv: string): MembershipState {
  let state: MembershipState | null = null;
  for (const e of entries) state = applyEntry(state, e, crypto, conv);
  if (!state) throw reject('the membership log is empty');
  return state;
}

export { canonicalEntry };
