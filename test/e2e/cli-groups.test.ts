// mekong-chat friends and groups, run as a user would: three people, each with their own home,
// against a real server and relay.
import { beforeAll, describe, expect, it } from 'vitest';
import { useMekongChat } from './mekong-chat';

const { chat, ok, fails } = useMekongChat();

interface GroupJson {
  id: string;
  name: string;
  role: string;
  epoch: number;
  members: Array<{ username: string; displayName: string; role: string }>;
}
interface MessageJson {
  id: string;
  from: string;
  text: string;
  sentAt: number;
  status: string;
  kind: string;
}

const json = async <T>(home: string, ...args: string[]): Promise<T> => JSON.parse(await ok(home, ...args, '--json')) as T;
const roles = (g: GroupJson) => g.members.map((m) => `${m.username}:${m.role}`).sort();

let groupId = '';

beforeAll(async () => {
  await Promise.all([
    ok('lan', 'register', 'lan', '--password', 'lan password 1', '--name', 'Lan Phương'),
    ok('minh', 'register', 'minh', '--password', 'minh password 1', '--name', 'Minh Đức'),
    ok('hoa', 'register', 'hoa', '--password', 'hoa password 1', '--name', 'Hoà'),
  ]);
});

describe('mekong-chat friends', () => {
  it('adds, accepts, rejects and removes friends', async () => {
    // one command at a time per home (a home is one device); different homes run side by side
    expect(await ok('lan', 'friend', 'add', 'minh')).toBe('friend request sent to Minh Đức (@minh)\n');
    await ok('lan', 'friend', 'add', 'hoa');
    const [minhRequests, , unknown] = await Promise.all([
      json('minh', 'friend', 'requests'),
      ok('hoa', 'friend', 'reject', 'lan'),
      fails('lan', 'friend', 'add', 'no_such_user'),
    ]);
    expect(minhRequests).toMatchObject({ incoming: [{ username: 'lan', displayName: 'Lan Phương' }], outgoing: [] });
    expect(unknown).toMatch(/no user @no_such_user.*\[NOT_FOUND\]/);

    const [accepted, nobodyAsked] = await Promise.all([ok('minh', 'friend', 'accept', 'lan'), fails('hoa', 'friend', 'accept', 'minh')]);
    expect(accepted).toBe('you and Lan Phương (@lan) are now friends\n');
    expect(nobodyAsked).toMatch(/@minh has not sent you a friend request.*\[NOT_FOUND\]/);

    const [lanFriends, minhFriends, hoaRequests] = await Promise.all([
      json<Array<{ username: string; displayName: string; since: number }>>('lan', 'friend', 'list'),
      ok('minh', 'friend', 'list'),
      json('hoa', 'friend', 'requests'),
    ]);
    // minh accepted, hoa rejected: one friend each side, no request left pending
    expect(lanFriends.map((f) => [f.username, f.displayName])).toEqual([['minh', 'Minh Đức']]);
    expect(typeof lanFriends[0]!.since).toBe('number');
    expect(minhFriends).toBe('Lan Phương (@lan)\n');
    expect(hoaRequests).toEqual({ incoming: [], outgoing: [] });

    await ok('minh', 'friend', 'remove', 'lan');
    const [lanAfter, minhAfter] = await Promise.all([json<unknown[]>('lan', 'friend', 'list'), json<unknown[]>('minh', 'friend', 'list')]);
    expect(lanAfter).toEqual([]);
    expect(minhAfter).toEqual([]);
  });
});

describe('mekong-chat groups', () => {
  it('creates a group with members that everyone lists, and all three chat in it', async () => {
    const created = await json<GroupJson>('lan', 'group', 'create', 'Nhà mình', '--members', 'minh,hoa');
    groupId = created.id;
    expect(groupId).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(created.name).toBe('Nhà mình');
    expect(roles(created)).toEqual(['hoa:member', 'lan:owner', 'minh:member']);

    const [minhGroups, hoaInfo] = await Promise.all([json<GroupJson[]>('minh', 'groups'), ok('hoa', 'group', 'info', groupId)]);
    expect(minhGroups).toHaveLength(1);
    expect(minhGroups[0]).toMatchObject({ id: groupId, name: 'Nhà mình', role: 'member', epoch: 1 });
    expect(roles(minhGroups[0]!)).toEqual(['hoa:member', 'lan:owner', 'minh:member']);
    expect(minhGroups[0]!.members.find((m) => m.username === 'minh')?.displayName).toBe('Minh Đức');
    // human output: the Vietnamese names as typed, the owner marked
    expect(hoaInfo).toContain('Nhà mình\n');
    expect(hoaInfo).toContain(`id: ${groupId}\n`);
    expect(hoaInfo).toMatch(/Lan Phương \(@lan\) {2}owner\n/);
    expect(hoaInfo).toContain('Minh Đức (@minh)\n');

    // two senders: lan by id, minh by the group's name in another case
    expect(await ok('lan', 'send', '--group', groupId, 'chào', 'cả nhà')).toMatch(/^sent [A-Za-z0-9_-]+\n$/);
    const [minhSent] = await Promise.all([ok('minh', 'send', '--group', 'NHÀ MÌNH', 'chào chị Lan'), ok('lan', 'send', 'hoa', 'riêng', 'cho', 'Hoà')]);
    expect(minhSent).toMatch(/^sent /);

    const messages = await json<MessageJson[]>('hoa', 'read', '--group', groupId);
    expect(messages.map((m) => [m.from, m.text])).toEqual([
      ['lan', 'chào cả nhà'],
      ['minh', 'chào chị Lan'],
    ]);
    for (const m of messages) {
      expect(m.id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(typeof m.sentAt).toBe('number');
      expect(m.status).toBe('sent');
    }
    // the same fields as a direct conversation's read
    const direct = await json<MessageJson[]>('hoa', 'read', 'lan');
    expect(direct.map((m) => m.text)).toEqual(['riêng cho Hoà']);
    expect(Object.keys(messages[0]!).sort()).toEqual(Object.keys(direct[0]!).sort());

    expect(await ok('hoa', 'read', '--group', 'nhà mình')).toMatch(/\] lan: chào cả nhà\n.*\] minh: chào chị Lan\n$/);
  });

  it('refuses bad changes with one clear line and changes nothing', async () => {
    const [notAdmin, unknownUser, unknownGroup] = await Promise.all([
      fails('hoa', 'group', 'remove', groupId, 'minh'),
      fails('lan', 'group', 'add', groupId, 'no_such_user'),
      fails('minh', 'send', '--group', 'Nhà khác', 'hello'),
    ]);
    const [badRole, unknownMember] = await Promise.all([
      fails('lan', 'group', 'role', groupId, 'minh', 'boss'),
      fails('hoa', 'group', 'create', 'Nhóm ma', '--members', 'minh,no_such_user'),
    ]);
    const ownerLeaves = await fails('lan', 'group', 'leave', groupId);
    expect(notAdmin).toMatch(/Only admins and the owner remove members from “Nhà mình”.*\[FORBIDDEN\]/);
    expect(unknownUser).toMatch(/no user @no_such_user.*\[NOT_FOUND\]/);
    expect(unknownGroup).toMatch(/not in a group "Nhà khác".*\[NOT_FOUND\]/);
    expect(badRole).toMatch(/unknown role "boss": use member, admin or owner/);
    expect(unknownMember).toMatch(/no user @no_such_user.*\[NOT_FOUND\]/);
    expect(ownerLeaves).toMatch(/make someone else owner first/);

    // still the one group, same members, roles and key epoch; the messages untouched
    const [lanGroups, hoaGroups, minhRead] = await Promise.all([
      json<GroupJson[]>('lan', 'groups'),
      json<GroupJson[]>('hoa', 'groups'),
      json<MessageJson[]>('minh', 'read', '--group', groupId),
    ]);
    for (const groups of [lanGroups, hoaGroups]) {
      expect(groups.map((g) => g.name)).toEqual(['Nhà mình']);
      expect(roles(groups[0]!)).toEqual(['hoa:member', 'lan:owner', 'minh:member']);
      expect(groups[0]!.epoch).toBe(1);
    }
    expect(minhRead.map((m) => m.text)).toEqual(['chào cả nhà', 'chào chị Lan']);
  });

  it('removes a member, who then cannot read what follows', async () => {
    expect(await ok('lan', 'group', 'remove', groupId, 'hoa')).toMatch(/^removed Hoà \(@hoa\) from “Nhà mình”/);
    await ok('lan', 'send', '--group', groupId, 'sau khi Hoà rời nhóm');

    const [hoaRead, minhRead] = await Promise.all([chat('hoa', 'read', '--group', groupId, '--json'), json<MessageJson[]>('minh', 'read', '--group', groupId)]);
    const hoaGroups = await json<GroupJson[]>('hoa', 'groups');
    expect(hoaRead.code).not.toBe(0);
    expect(hoaRead.stdout).toBe('');
    expect(hoaRead.stderr).toMatch(/You are not in a group .*you left or were removed/);
    expect(hoaGroups).toEqual([]);
    expect(minhRead.map((m) => m.text)).toEqual(['chào cả nhà', 'chào chị Lan', 'sau khi Hoà rời nhóm']);
    // and hoa can no longer post to it
    expect(await fails('hoa', 'send', '--group', groupId, 'còn ai không?')).toMatch(/not in a group/);
  });

  it('changes a role, and a member leaves', async () => {
    expect(await ok('lan', 'group', 'role', groupId, 'minh', 'admin')).toBe('Minh Đức (@minh) is now admin of “Nhà mình”\n');
    const [minhView] = await json<GroupJson[]>('minh', 'groups');
    expect(minhView!.role).toBe('admin');
    expect(roles(minhView!)).toEqual(['lan:owner', 'minh:admin']);

    expect(await ok('minh', 'group', 'leave', 'Nhà mình')).toBe('left “Nhà mình”\n');
    const [minhGroups, lanInfo] = await Promise.all([json<GroupJson[]>('minh', 'groups'), json<GroupJson>('lan', 'group', 'info', groupId)]);
    expect(minhGroups).toEqual([]);
    expect(roles(lanInfo)).toEqual(['lan:owner']);
    expect(lanInfo.epoch).toBe(3); // one new key epoch for hoa's removal, one for minh's leaving
  });
});
