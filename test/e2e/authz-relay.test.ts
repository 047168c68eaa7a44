// Who may follow and write a conversation at the relay, cell by cell: anonymous, stranger, friend,
// blocked, member, admin, owner and removed member, against a group and a 1-1 conversation.
// Each cell opens its own socket with the caller's real token, so no cache carries over.
import type { MekongClient } from '@mekong/client-core';
import { decodeDown, type Down, encodeUp, PROTOCOL_VERSION, type Up } from '@mekong/schema';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, newClient, startTestServer, type TestServer } from '../helpers';

type Role = 'anonymous' | 'stranger' | 'friend' | 'blocked' | 'member' | 'admin' | 'owner' | 'removed';
const ROLES: Role[] = ['anonymous', 'stranger', 'friend', 'blocked', 'member', 'admin', 'owner', 'removed'];

let server: TestServer;
const users: Partial<Record<Exclude<Role, 'anonymous'>, MekongClient>> = {};
let group = '';
let direct = '';

const tokenOf = (c: MekongClient) => (c as unknown as { api: { freshAccessToken(): Promise<string> } }).api.freshAccessToken();

/** One frame sent on a fresh, authenticated socket; the first answer about it (or the close). */
async function attempt(role: Role, frame: Up): Promise<string> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/sync`);
  const frames: Down[] = [];
  let closeCode = 0;
  ws.on('message', (d: Buffer) => frames.push(decodeDown(new Uint8Array(d))));
  ws.on('close', (code) => {
    closeCode = code;
  });
  await new Promise((ok, bad) => {
    ws.on('open', ok);
    ws.on('error', bad);
  });
  try {
    const token = role === 'anonymous' ? 'not-a-token' : await tokenOf(users[role]!);
    ws.send(encodeUp({ type: 'auth', protocol: PROTOCOL_VERSION, token }));
    await eventually(() => frames.length > 0 || closeCode !== 0, 10_000, 'auth answer');
    const welcome = frames.shift();
    if (welcome?.type !== 'welcome') return welcome?.type === 'error' ? welcome.code : `closed ${closeCode}`;
    ws.send(encodeUp(frame));
    await eventually(() => frames.some((f) => f.type !== 'snapshot' && f.type !== 'update') || closeCode !== 0, 10_000, 'an answer');
    const answer = frames.find((f) => f.type !== 'snapshot' && f.type !== 'update');
    if (!answer) return `closed ${closeCode}`;
    return answer.type === 'error' ? answer.code : answer.type;
  } finally {
    ws.close();
  }
}

const subscribe = (conv: () => string) => (): Up => ({ type: 'subscribe', conv: conv(), after: 0 });
const push = (conv: () => string) => (): Up => ({ type: 'push', conv: conv(), counter: 1 + Math.floor(Math.random() * 1e9), envelope: new Uint8Array([1, 2, 3, 4]) });
const ephemeral = (conv: () => string) => (): Up => ({ type: 'ephemeral', conv: conv(), envelope: new Uint8Array([9]) });

beforeAll(async () => {
  server = await startTestServer();
  for (const role of ROLES) {
    if (role === 'anonymous') continue;
    users[role] = await newClient(server, `az-${role}`);
    await users[role]!.register({ username: `az_${role}`, password: `${role} password 1`, displayName: role });
  }
  const owner = users.owner!;
  // friend: a friend of the owner who is not in the group
  await users.friend!.social.sendFriendRequest('az_owner');
  await owner.social.acceptFriendRequest('az_friend');
  const g = await owner.createGroup({ name: 'matrix', members: ['az_admin', 'az_member', 'az_removed'] });
  group = g.id;
  await owner.setRole(group, 'az_admin', 'admin');
  await owner.removeMember(group, 'az_removed');
  // blocked: in a 1-1 conversation with the owner, who then blocks them
  const chat = await users.blocked!.openDirect('az_owner');
  direct = chat.id;
  chat.close();
  await owner.social.block('az_blocked');
}, 120_000);

afterAll(async () => {
  for (const c of Object.values(users)) await c?.close();
  await server?.stop();
});

const OK_SUB = 'synced';
const NO = 'NOT_MEMBER';
const ANON = 'UNAUTHENTICATED';

const CELLS: Array<[string, () => Up, Record<Role, string>]> = [
  ['subscribe to the group', subscribe(() => group), { anonymous: ANON, stranger: NO, friend: NO, blocked: NO, member: OK_SUB, admin: OK_SUB, owner: OK_SUB, removed: NO }],
  ['push to the group', push(() => group), { anonymous: ANON, stranger: NO, friend: NO, blocked: NO, member: 'ack', admin: 'ack', owner: 'ack', removed: NO }],
  ['ephemeral to the group', ephemeral(() => group), { anonymous: ANON, stranger: NO, friend: NO, blocked: NO, member: 'pong', admin: 'pong', owner: 'pong', removed: NO }],
  // the owner and the person they blocked are both in the 1-1 conversation: only the owner may use it now
  ['subscribe to the 1-1', subscribe(() => direct), { anonymous: ANON, stranger: NO, friend: NO, blocked: NO, member: NO, admin: NO, owner: OK_SUB, removed: NO }],
  ['push to the 1-1', push(() => direct), { anonymous: ANON, stranger: NO, friend: NO, blocked: NO, member: NO, admin: NO, owner: 'ack', removed: NO }],
];

describe('relay authorization matrix', () => {
  for (const [name, frame, expected] of CELLS) {
    for (const role of ROLES) {
      it(`${name} as ${role}: ${expected[role]}`, async () => {
        const f = frame();
        // an ephemeral frame has no answer of its own: it is followed by a ping, whose pong says it passed
        const got = f.type === 'ephemeral' ? await attemptWithPing(role, f) : await attempt(role, f);
        expect(got).toBe(expected[role]);
      });
    }
  }
});

async function attemptWithPing(role: Role, frame: Up): Promise<string> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/sync`);
  const frames: Down[] = [];
  ws.on('message', (d: Buffer) => frames.push(decodeDown(new Uint8Array(d))));
  await new Promise((ok, bad) => {
    ws.on('open', ok);
    ws.on('error', bad);
  });
  try {
    const token = role === 'anonymous' ? 'not-a-token' : await tokenOf(users[role]!);
    ws.send(encodeUp({ type: 'auth', protocol: PROTOCOL_VERSION, token }));
    await eventually(() => frames.length > 0, 10_000, 'auth answer');
    const welcome = frames.shift();
    if (welcome?.type !== 'welcome') return welcome?.type === 'error' ? welcome.code : 'closed';
    ws.send(encodeUp(frame));
    ws.send(encodeUp({ type: 'ping', id: 7 }));
    await eventually(() => frames.some((f) => f.type === 'pong' || f.type === 'error'), 10_000, 'an answer');
    const answer = frames.find((f) => f.type === 'pong' || f.type === 'error')!;
    return answer.type === 'error' ? answer.code : answer.type;
  } finally {
    ws.close();
  }
}
