import { describe, expect, it } from 'vitest';
import { groupPermissions, memberActions, sortMembers } from './roles';

describe('groupPermissions', () => {
  it('lets admins and the owner add and rename, and only the owner disband or add admins', () => {
    expect(groupPermissions('member')).toEqual({ addMembers: false, addAdmins: false, rename: false, disband: false, leave: true });
    expect(groupPermissions('admin')).toEqual({ addMembers: true, addAdmins: false, rename: true, disband: false, leave: true });
    expect(groupPermissions('owner')).toMatchObject({ addMembers: true, addAdmins: true, rename: true, disband: true });
  });

  it('has the owner hand over or disband rather than leave', () => {
    expect(groupPermissions('owner').leave).toBe(false);
    expect(groupPermissions('admin').leave).toBe(true);
  });
});

describe('memberActions', () => {
  const me = 'me';
  it('lets nobody remove or re-role themselves', () => {
    expect(memberActions('owner', { id: me, role: 'owner' }, me)).toEqual({ remove: false, roles: [] });
  });

  it('lets admins remove plain members only', () => {
    expect(memberActions('admin', { id: 'x', role: 'member' }, me)).toEqual({ remove: true, roles: [] });
    expect(memberActions('admin', { id: 'x', role: 'admin' }, me).remove).toBe(false);
    expect(memberActions('admin', { id: 'x', role: 'owner' }, me).remove).toBe(false);
  });

  it('lets members remove nobody', () => {
    expect(memberActions('member', { id: 'x', role: 'member' }, me)).toEqual({ remove: false, roles: [] });
  });

  it('lets the owner remove anyone else and offers the other roles', () => {
    expect(memberActions('owner', { id: 'x', role: 'member' }, me)).toEqual({ remove: true, roles: ['admin', 'owner'] });
    expect(memberActions('owner', { id: 'x', role: 'admin' }, me)).toEqual({ remove: true, roles: ['member', 'owner'] });
  });
});

describe('sortMembers', () => {
  it('lists the owner, then admins, then members by name', () => {
    const sorted = sortMembers([
      { role: 'member' as const, displayName: 'Tuấn', username: 'tuan' },
      { role: 'admin' as const, displayName: 'Minh', username: 'minh' },
      { role: 'member' as const, displayName: 'Hoa', username: 'hoa' },
      { role: 'owner' as const, displayName: 'Lan', username: 'lan' },
    ]);
    expect(sorted.map((m) => m.username)).toEqual(['lan', 'minh', 'hoa', 'tuan']);
  });
});
