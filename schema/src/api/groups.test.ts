import { describe, expect, it } from 'vitest';
import { CreateGroupRequest, GroupDescription, GroupId, GroupName, LogQuery, UpdateGroupRequest } from './index';

const entry = {
  conv: 'g1',
  index: 0,
  prev: '',
  change: { op: 'create', kind: 'group', members: [{ user: 'u1', identityKey: 'AAAA', role: 'owner' }], epoch: 1 },
  by: { user: 'u1', device: 'd1' },
  deviceCert: 'AAAA',
  at: 1,
  sig: 'AAAA',
};

describe('group schemas', () => {
  it('trims names to 1–100 characters without control characters', () => {
    expect(GroupName.parse('  Nhóm Hà Nội  ')).toBe('Nhóm Hà Nội');
    for (const bad of ['', '   ', 'n'.repeat(101), 'a\nb', 'a\u0000b']) expect(GroupName.safeParse(bad).success).toBe(false);
    expect(GroupName.safeParse('n'.repeat(100)).success).toBe(true);
  });

  it('allows line breaks in descriptions, up to 500 characters', () => {
    expect(GroupDescription.parse('dòng 1\ndòng 2')).toBe('dòng 1\ndòng 2');
    expect(GroupDescription.safeParse('d'.repeat(501)).success).toBe(false);
    expect(GroupDescription.safeParse('a\tb').success).toBe(false);
  });

  it('keeps group ids url-safe and at most 64 characters', () => {
    expect(GroupId.safeParse('g_'.padEnd(64, 'x')).success).toBe(true);
    for (const bad of ['', 'g'.repeat(65), 'a/b', 'a b', 'ä']) expect(GroupId.safeParse(bad).success).toBe(false);
  });

  it('takes a create request with a signed entry, refusing unknown fields', () => {
    expect(CreateGroupRequest.safeParse({ name: 'n', entry }).success).toBe(true);
    expect(CreateGroupRequest.safeParse({ name: 'n', avatar: null, description: null, entry }).success).toBe(true);
    expect(CreateGroupRequest.safeParse({ name: 'n', entry, members: [] }).success).toBe(false);
    expect(CreateGroupRequest.safeParse({ name: 'n', entry: { ...entry, extra: 1 } }).success).toBe(false);
  });

  it('needs at least one field in an update', () => {
    expect(UpdateGroupRequest.safeParse({}).success).toBe(false);
    expect(UpdateGroupRequest.safeParse({ avatar: null }).success).toBe(true);
  });

  it('reads log queries from the query string', () => {
    expect(LogQuery.parse({ after: '3', limit: '10' })).toEqual({ after: 3, limit: 10 });
    for (const bad of [{ after: '-1' }, { limit: '0' }, { limit: '1001' }, { after: '1.5' }]) expect(LogQuery.safeParse(bad).success).toBe(false);
  });
});
