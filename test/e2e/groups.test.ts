// Groups end to end through a real server and relay: create, chat, add, remove, leave, roles,
// rotation. Removal and leaving start a new epoch whose key the departed member never gets.
import { join } from 'node:path';
import { type Conversation, createNodeClient, type MekongClient } from '@mekong/client-core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, newClient, startTestServer, type TestServer } from '../helpers';

let server: TestServer;
const clients: Record<string, MekongClient> = {};
let groupId = '';

const texts = (c: Conversation) => c.messages().map((m) => m.text);

async function chatOf(name: string): Promise<Conversation> {
  const c = clients[name]!;
  await eventually(async () => (await c.conversations()).some((s) => s.id === groupId), 20_000, `${name} to see the group`);
  return c.open(groupId);
}

async function epochKeyHeld(name: string, epoch: number): Promise<boolean> {
  // what a user would check of their own device: which conversation keys it holds
  const c = clients[name]! as unknown as { opts: { storage: { get(k: string): Promise<Uint8Array | undefined> } } };
  return (await c.opts.storage.get(`epoch/${groupId}/${String(epoch).padStart(8, '0')}`)) !== undefined;
}

beforeAll(async () => {
  server = await startTestServer();
  for (const [name, display] of [
    ['lan', 'Lan'],
    ['minh', 'Minh'],
    ['hoa', 'Hoa'],
    ['tuan', 'Tuấn'],
  ] as const) {
    clients[name] = await newClient(server, name);
    await clients[name]!.register({ username: name, password: `${name} password 1`, displayName: display });
  }
});

afterAll(async () => {
  for (const c of Object.values(clients)) await c.close();
  await server?.stop();
});

describe('groups', () => {
  it('looks all members up in one request, and refuses a list with unknown usernames naming each, creating nothing', async () => {
    const asked: string[] = [];
    const counting: typeof fetch = (input, init) => {
      asked.push(`${init?.method ?? 'GET'} ${new URL(String(input instanceof Request ? input.url : input)).pathname}`);
      return fetch(input, init);
    };
    const khoa = await createNodeClient({ server: server.url, home: join(server.dir, 'homes', 'khoa'), pollIntervalMs: 300, fetch: counting });
    try {
      await khoa.register({ username: 'khoa', password: 'khoa password 1', displayName: 'Khoa' });
      const failure = await khoa.createGroup({ name: 'typo', members: ['minh', '@ghost_one', 'HOA', 'ghost_two'] }).catch((e: unknown) => e);
      expect(failure).toMatchObject({ code: 'NOT_FOUND', details: { usernames: ['ghost_one', 'ghost_two'] } });
      expect(String((failure as Error).message)).toContain('@ghost_one, @ghost_two');
      expect((await khoa.conversations()).filter((c) => c.kind === 'group')).toEqual([]);

      asked.length = 0;
      const g = await khoa.createGroup({ name: 'đủ người', members: ['minh', 'hoa', 'tuan', 'Minh'] });
      expect(g.members.map((m) => m.username).sort()).toEqual(['hoa', 'khoa', 'minh', 'tuan']);
      // one lookup for the whole list, none per member
      expect(asked.filter((a) => a.includes('/api/users/by-username'))).toEqual(['POST /api/users/by-username']);
      const memberIds = g.members.filter((m) => m.username !== 'khoa').map((m) => m.id);
      expect(asked.filter((a) => memberIds.some((id) => a === `GET /api/users/${id}`))).toEqual([]);
    } finally {
      await khoa.close();
    }
  });

  it('creates a group whose members and roles come from the signed log, and everyone chats', async () => {
    const g = await clients.lan!.createGroup({ name: 'Nhà mình', members: ['minh', 'hoa'] });
    groupId = g.id;
    expect(g.role).toBe('owner');
    expect(g.epoch).toBe(1);
    expect(g.members.map((m) => m.id).sort()).toHaveLength(3);
    const lanChat = await clients.lan!.open(groupId);
    await lanChat.send('chào cả nhà');
    const minhChat = await chatOf('minh');
    const hoaChat = await chatOf('hoa');
    await eventually(() => texts(minhChat).includes('chào cả nhà') && texts(hoaChat).includes('chào cả nhà'), 20_000, 'first message');
    await minhChat.send('chào Lan');
    await eventually(() => texts(lanChat).includes('chào Lan') && texts(hoaChat).includes('chào Lan'), 20_000, 'reply');
    const summary = (await clients.hoa!.conversations()).find((s) => s.id === groupId)!;
    expect(summary.kind).toBe('group');
    expect(summary.title).toBe('Nhà mình');
    expect(summary.group?.members.find((m) => m.role === 'owner')?.id).toBe(clients.lan!.session!.userId);
    expect(summary.unverifiedMembers).toBeUndefined();
    for (const c of [lanChat, minhChat, hoaChat]) c.close();
  });

  it('refuses changes the log does not allow, before the server sees them', async () => {
    await expect(clients.hoa!.removeMember(groupId, 'minh')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(clients.minh!.addMember(groupId, 'tuan')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await clients.lan!.group(groupId)).members).toHaveLength(3);
  });

  it('removes a member: a new epoch starts, the others keep chatting, the removed one gets nothing more', async () => {
    const g = await clients.lan!.removeMember(groupId, 'hoa');
    expect(g.epoch).toBe(2);
    expect(g.members.map((m) => m.username)).not.toContain('hoa');
    const lanChat = await clients.lan!.open(groupId);
    await lanChat.send('sau khi Hoa rời nhóm');
    const minhChat = await chatOf('minh');
    await eventually(() => texts(minhChat).includes('sau khi Hoa rời nhóm'), 20_000, 'minh gets the post-removal message');
    await eventually(async () => !(await clients.hoa!.conversations()).some((s) => s.id === groupId), 20_000, 'hoa stops following the group');
    expect(await epochKeyHeld('hoa', 1)).toBe(true);
    expect(await epochKeyHeld('hoa', 2)).toBe(false);
    expect(await epochKeyHeld('minh', 2)).toBe(true);
    lanChat.close();
    minhChat.close();
  });

  it('adds a member, who reads from then on; the owner makes them admin', async () => {
    await clients.lan!.addMember(groupId, 'tuan');
    const lanChat = await clients.lan!.open(groupId);
    await lanChat.send('chào Tuấn');
    const tuanChat = await chatOf('tuan');
    await eventually(() => texts(tuanChat).includes('chào Tuấn'), 20_000, 'tuan reads after joining');
    // the history from before, sealed under an epoch Tuấn never got, arrives in the snapshot taken for him
    await eventually(() => texts(tuanChat).includes('chào cả nhà'), 20_000, 'tuan reads the history');
    const g = await clients.lan!.setRole(groupId, 'tuan', 'admin');
    expect(g.members.find((m) => m.username === 'tuan')?.role).toBe('admin');
    await eventually(async () => (await clients.tuan!.group(groupId)).role === 'admin', 20_000, 'tuan sees the new role');
    lanChat.close();
    tuanChat.close();
  });

  it('admins and the owner pin; a plain member cannot, and everyone sees the pins', async () => {
    const lanChat = await clients.lan!.open(groupId);
    const target = lanChat.messages().find((m) => m.text === 'chào cả nhà')!;
    await lanChat.pin(target.id);
    const tuanChat = await chatOf('tuan'); // an admin by now
    const minhChat = await chatOf('minh'); // a plain member
    await expect(minhChat.pin(target.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await eventually(async () => (await tuanChat.pinned()).some((m) => m.id === target.id), 20_000, 'tuan sees the pin');
    await eventually(async () => (await minhChat.pinned()).map((m) => m.text).join() === 'chào cả nhà', 20_000, 'minh sees the pin');
    await tuanChat.unpin(target.id);
    await eventually(async () => (await lanChat.pinned()).length === 0, 20_000, 'the unpin reaches lan');
    for (const c of [lanChat, tuanChat, minhChat]) c.close();
  });

  it('members react and everyone sees whose reaction is which; a removal reaches everyone', async () => {
    const lanChat = await clients.lan!.open(groupId);
    const minhChat = await chatOf('minh');
    const target = lanChat.messages().find((m) => m.text === 'chào cả nhà')!;
    const lanId = clients.lan!.session!.userId;
    const minhId = clients.minh!.session!.userId;
    const reactionsIn = (c: Conversation) => JSON.stringify(Object.entries(c.messages().find((m) => m.id === target.id)?.reactions ?? {}).sort());
    const expected = (r: Record<string, string>) => JSON.stringify(Object.entries(r).sort());
    await minhChat.react(target.id, '❤️');
    await lanChat.react(target.id, '👍');
    const both = expected({ [lanId]: '👍', [minhId]: '❤️' });
    await eventually(() => reactionsIn(lanChat) === both && reactionsIn(minhChat) === both, 20_000, 'both see both reactions');
    await minhChat.react(target.id, null);
    const lanOnly = expected({ [lanId]: '👍' });
    await eventually(() => reactionsIn(lanChat) === lanOnly && reactionsIn(minhChat) === lanOnly, 20_000, 'the removal reaches lan');
    for (const c of [lanChat, minhChat]) c.close();
  });

  it('a member who leaves gets no key for what follows; rotation moves everyone on', async () => {
    await clients.minh!.leaveGroup(groupId);
    expect((await clients.minh!.conversations()).some((s) => s.id === groupId)).toBe(false);
    const epoch = await clients.lan!.rotateKeys(groupId);
    expect(epoch).toBeGreaterThanOrEqual(4);
    const lanChat = await clients.lan!.open(groupId);
    await lanChat.send('chỉ còn Lan và Tuấn');
    const tuanChat = await chatOf('tuan');
    await eventually(() => texts(tuanChat).includes('chỉ còn Lan và Tuấn'), 20_000, 'tuan gets it');
    expect(await epochKeyHeld('minh', epoch)).toBe(false);
    lanChat.close();
    tuanChat.close();
  });

  it('writes the create entry of a direct conversation into its log', async () => {
    await clients.lan!.openDirect('tuan');
    const convs = await clients.lan!.conversations();
    const direct = convs.find((c) => c.kind === 'direct')!;
    expect(direct.title).toBe('Tuấn');
    const c = clients.lan! as unknown as { api: { call<T>(m: string, p: string): Promise<T> } };
    const log = await c.api.call<{ length: number; entries: Array<{ change: { op: string; kind?: string } }> }>('GET', `/api/conversations/${direct.id}/log`);
    expect(log.length).toBe(1);
    expect(log.entries[0]!.change).toMatchObject({ op: 'create', kind: 'direct' });
  });
});

describe('keys over time and across devices', () => {
  it('rotates the key by itself once an epoch has carried enough updates', async () => {
    const { createNodeClient } = await import('@mekong/client-core/node');
    const { join } = await import('node:path');
    const busy = await createNodeClient({ server: server.url, home: join(server.dir, 'homes', 'busy'), pollIntervalMs: 200, rotation: { afterUpdates: 5 } });
    try {
      await busy.register({ username: 'busy', password: 'busy password 1', displayName: 'Busy' });
      const g = await busy.createGroup({ name: 'rotating', members: ['lan'] });
      const chat = await busy.open(g.id);
      for (let i = 0; i < 6; i++) await chat.send(`m${i}`);
      await chat.synced();
      await eventually(async () => (await busy.group(g.id)).epoch >= 2, 20_000, 'an automatic rotation');
      await chat.send('under the new key');
      await chat.synced();
      await eventually(async () => (await clients.lan!.conversations()).some((s) => s.id === g.id), 20_000, 'lan follows');
      const lanChat = await clients.lan!.open(g.id);
      await eventually(() => texts(lanChat).includes('under the new key') && texts(lanChat).includes('m0'), 20_000, 'lan reads across epochs');
      lanChat.close();
      chat.close();
    } finally {
      await busy.close();
    }
  });

  it('a second device of a member logs in and reads the whole group history, across epochs', async () => {
    const second = await newClient(server, 'lan-laptop');
    try {
      await second.login({ username: 'lan', password: 'lan password 1' });
      await eventually(async () => (await second.conversations()).some((s) => s.id === groupId), 20_000, 'the group on the new device');
      const chat = await second.open(groupId);
      await chat.synced(20_000);
      for (const t of ['chào cả nhà', 'sau khi Hoa rời nhóm', 'chỉ còn Lan và Tuấn']) {
        await eventually(() => texts(chat).includes(t), 20_000, `history: ${t}`);
      }
      chat.close();
    } finally {
      await second.close();
    }
  });
});

describe('devices', () => {
  it('retiring a lost device moves every conversation to a key that device never gets', async () => {
    const lost = await newClient(server, 'tuan-lost-phone');
    try {
      await lost.login({ username: 'tuan', password: 'tuan password 1' });
      await eventually(async () => (await lost.conversations()).some((s) => s.id === groupId), 20_000, 'the group on the second device');
      const lostId = lost.session!.deviceId;
      const mine = await clients.tuan!.devices();
      expect(mine.map((d) => d.id)).toContain(lostId);
      expect(mine.filter((d) => d.current)).toHaveLength(1);
      const before = (await clients.tuan!.group(groupId)).epoch;
      await clients.tuan!.removeDevice(lostId);
      expect((await clients.tuan!.devices()).map((d) => d.id)).not.toContain(lostId);
      const after = (await clients.tuan!.group(groupId)).epoch;
      expect(after).toBe(before + 1);
      const lanChat = await clients.lan!.open(groupId);
      await eventually(async () => (await clients.lan!.group(groupId)).epoch === after, 20_000, 'lan sees the new epoch');
      await lanChat.send('sau khi mất điện thoại');
      const tuanChat = await chatOf('tuan');
      await eventually(() => texts(tuanChat).includes('sau khi mất điện thoại'), 20_000, 'tuan reads on his remaining device');
      const lostStorage = (lost as unknown as { opts: { storage: { get(k: string): Promise<Uint8Array | undefined> } } }).opts.storage;
      expect(await lostStorage.get(`epoch/${groupId}/${String(after).padStart(8, '0')}`)).toBeUndefined();
      lanChat.close();
      tuanChat.close();
    } finally {
      await lost.close();
    }
  });
});
