// What each group role may do, mirroring the rules every client checks in the signed membership
// log: the app offers only the actions that would be accepted, and explains the rest.
import type { GroupRole } from '@mekong/client-core';

const RANK: Record<GroupRole, number> = { member: 0, admin: 1, owner: 2 };

/** Actions on the group as a whole for someone holding `role`. */
export interface GroupPermissions {
  addMembers: boolean;
  /** Only the owner adds people straight in as admins. */
  addAdmins: boolean;
  rename: boolean;
  disband: boolean;
  /**
   * The owner never just leaves: with others in the group they hand ownership over first, and the
   * last member disbands the group instead (the server refuses an empty group).
   */
  leave: boolean;
}

/**
 * @example groupPermissions('admin') // { addMembers: true, addAdmins: false, rename: true, disband: false, leave: true }
 */
export function groupPermissions(role: GroupRole): GroupPermissions {
  return {
    addMembers: RANK[role] >= RANK.admin,
    addAdmins: role === 'owner',
    rename: RANK[role] >= RANK.admin,
    disband: role === 'owner',
    leave: role !== 'owner',
  };
}

/** Actions on one member, seen by someone holding `myRole`. */
export interface MemberActions {
  remove: boolean;
  /** Roles the member can be given; empty when their role cannot be changed by this person. */
  roles: GroupRole[];
}

/**
 * Admins remove plain members, the owner removes anyone else; only the owner changes roles, and
 * giving someone the owner role hands ownership over (the old owner becomes an admin).
 * @example memberActions('owner', { id: 'u2', role: 'member' }, 'u1') // { remove: true, roles: ['admin', 'owner'] }
 */
export function memberActions(myRole: GroupRole, target: { id: string; role: GroupRole }, myId: string): MemberActions {
  if (target.id === myId) return { remove: false, roles: [] };
  const remove = RANK[myRole] >= RANK.admin && RANK[myRole] > RANK[target.role];
  const roles = myRole === 'owner' ? (['member', 'admin', 'owner'] as GroupRole[]).filter((r) => r !== target.role) : [];
  return { remove, roles };
}

/** Members in the order a panel lists them: owner, admins, then everyone by name. */
export function sortMembers<M extends { role: GroupRole; displayName: string; username: string }>(members: readonly M[]): M[] {
  return [...members].sort(
    (a, b) => RANK[b.role] - RANK[a.role] || (a.displayName || a.username).localeCompare(b.displayName || b.username, 'vi'),
  );
}
