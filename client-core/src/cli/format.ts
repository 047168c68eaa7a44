// How mekong-chat prints people, messages and groups: short lines for people, JSON for scripts.
import type { GroupInfo, MessageView, UserProfile } from '../index';

export type Out = (line: string) => void;

/** "Tuấn (@tuan)", or "@tuan" when the display name adds nothing. */
export function person(u: Pick<UserProfile, 'username' | 'displayName'> & { id?: string }): string {
  if (!u.username) return u.displayName || (u.id ?? '?');
  return u.displayName && u.displayName !== u.username ? `${u.displayName} (@${u.username})` : `@${u.username}`;
}

/** A person in --json output. */
export function personJson(u: UserProfile): { username: string; displayName: string } {
  return { username: u.username, displayName: u.displayName };
}

/** The fields `read --json` prints for every message, direct or group. */
export function messageJson(m: MessageView) {
  return { id: m.id, from: m.from.username ?? m.from.userId, text: m.text, sentAt: m.sentAt, status: m.status, kind: m.kind };
}

export function printMessages(messages: MessageView[], json: boolean, out: Out): void {
  if (json) {
    out(JSON.stringify(messages.map(messageJson)));
    return;
  }
  for (const m of messages) {
    const at = `[${new Date(m.sentAt).toISOString()}]`;
    const who = m.from.username ?? m.from.userId;
    out(m.kind === 'system' ? `${at} * ${m.text}` : `${at} ${who}: ${m.text}${m.status === 'pending' ? ' (not sent yet)' : ''}`);
  }
}

/** A group in --json output: members by username, with their roles. */
export function groupJson(g: GroupInfo, unverifiedMembers?: string[]) {
  return {
    id: g.id,
    name: g.name,
    role: g.role,
    epoch: g.epoch,
    members: sortMembers(g.members).map((m) => ({ username: m.username || m.id, displayName: m.displayName, role: m.role })),
    ...(unverifiedMembers?.length ? { unverifiedMembers } : {}),
  };
}

/** One line per group for `groups`. */
export function groupLine(g: GroupInfo): string {
  const n = g.members.length;
  return `${g.id}  ${g.name}  (${n} ${n === 1 ? 'member' : 'members'}, you are ${g.role})`;
}

/** The lines of `group info` and of the answer to a group change. */
export function printGroup(g: GroupInfo, out: Out, unverifiedMembers?: string[]): void {
  out(g.name);
  out(`id: ${g.id}`);
  out(`you are ${g.role}; key epoch ${g.epoch}`);
  out(`members (${g.members.length}):`);
  for (const m of sortMembers(g.members)) out(`  ${person(m)}${m.role === 'member' ? '' : `  ${m.role}`}`);
  if (unverifiedMembers?.length) {
    out(`warning: the server lists ${unverifiedMembers.length} member(s) the signed membership log does not name; they get no keys`);
  }
}

const RANK = { owner: 0, admin: 1, member: 2 } as const;

/** Owner first, then admins, then members; by username within each. */
function sortMembers<T extends { role: keyof typeof RANK; username: string }>(ms: T[]): T[] {
  return [...ms].sort((a, b) => RANK[a.role] - RANK[b.role] || a.username.localeCompare(b.username));
}
