// Every way access is taken away announces it to the relays, after the database change, and the
// token check the relays use agrees with the database at once. Every way someone is given a
// conversation sends the relays a join hint for them.
import { createMemoryRevocations, type Joined, type Revocation } from '@mekong/relay';
import { ErrorCode, MekongError } from '@mekong/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { banUser } from '../accounts';
import { asMember, ClientLog, change, createGroupVia, newGroupId, registerSigner } from '../groups/test-support';
import { call, errorCode, json, type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';

let s: TestServices;
let events: Revocation[];
let joins: Joined[];
let changes: string[];
let bus: ReturnType<typeof createMemoryRevocations>;
beforeEach(async () => {
  bus = createMemoryRevocations();
  events = [];
  joins = [];
  changes = [];
  bus.subscribe((e) => events.push(e));
  bus.subscribeHints((e) => (e.kind === 'joined' ? joins.push(e) : changes.push(e.conversationId)));
  s = await setupServices({ revocations: bus });
});
afterEach(async () => {
  await bus.close();
  await s.db.destroy();
});

const expectRefused = async (token: string, code: ErrorCode) => {
  const err = await s.relayTokens.verify(token).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MekongError);
  expect((err as MekongError).code).toBe(code);
};

describe('sign-out', () => {
  it('announces the device, and the relay token check refuses the still-unexpired access token at once', async () => {
    const lan: Registered = await registerUser(s.app, 'lan');
    expect(await s.relayTokens.verify(lan.accessToken)).toMatchObject({ userId: lan.user.id, deviceId: lan.deviceId });
    const res = await call(s.app, 'POST', '/api/users/logout', { token: lan.accessToken });
    expect(res.status).toBe(204);
    expect(events).toEqual([{ kind: 'device', userId: lan.user.id, deviceId: lan.deviceId }]);
    await expectRefused(lan.accessToken, ErrorCode.UNAUTHENTICATED);
    // the signed-out device is retired: signing in again naming it gets a session without a device,
    // which the relays refuse until a new device is registered
    const login = await call(s.app, 'POST', '/api/users/login', { body: { username: 'lan', loginSecret: lan.loginSecret, deviceId: lan.deviceId } });
    const again = await json<{ accessToken: string; deviceId: string | null }>(login);
    expect(again.deviceId).toBeNull();
  });

  it('still signs out when the bus is down: the database is the truth', async () => {
    const lan = await registerUser(s.app, 'lan');
    await bus.close(); // publish now rejects with UNAVAILABLE
    expect((await call(s.app, 'POST', '/api/users/logout', { token: lan.accessToken })).status).toBe(204);
    await expectRefused(lan.accessToken, ErrorCode.UNAUTHENTICATED);
  });
});

describe('bans', () => {
  it('make the relay token check answer FORBIDDEN, even for a session opened after the ban', async () => {
    const lan = await registerUser(s.app, 'lan');
    await banUser(s.db, lan.user.id, Date.now());
    await expectRefused(lan.accessToken, ErrorCode.FORBIDDEN);
  });
});

describe('groups', () => {
  it('announce a removed member, a member who left, and every member of a disbanded group', async () => {
    const [owner, kim, minh, hoa] = await Promise.all(['owner', 'kim', 'minh', 'hoa'].map((n) => registerSigner(s.app, n)));
    if (!owner || !kim || !minh || !hoa) throw new Error('signers');
    const log = new ClientLog(newGroupId());
    expect((await createGroupVia(s.app, owner, log, [asMember(kim), asMember(minh), asMember(hoa)])).status).toBe(201);
    expect((await change(s.app, log, owner, { op: 'role', user: kim.userId, role: 'admin' })).status).toBe(200);
    expect(events).toEqual([]); // adding and role changes take nothing away

    expect((await change(s.app, log, kim, { op: 'remove', user: minh.userId, epoch: log.epoch + 1 })).status).toBe(200);
    expect(events).toEqual([{ kind: 'member', conversationId: log.conv, userId: minh.userId }]);
    // leaving through the generic log route is announced too
    expect((await change(s.app, log, hoa, { op: 'rotate', epoch: log.epoch + 1 })).status).toBe(201);
    const leave = log.sign(hoa, { op: 'leave', epoch: log.epoch + 1 });
    expect((await call(s.app, 'POST', `/api/conversations/${log.conv}/log`, { token: hoa.token, body: { entry: leave } })).status).toBe(201);
    expect(events.slice(1)).toEqual([{ kind: 'member', conversationId: log.conv, userId: hoa.userId }]);

    events.length = 0;
    expect((await call(s.app, 'DELETE', `/api/groups/${log.conv}`, { token: owner.token })).status).toBe(204);
    const gone = events.map((e) => (e.kind === 'member' ? `${e.conversationId} ${e.userId}` : e.kind)).sort();
    expect(gone).toEqual([owner.userId, kim.userId].map((u) => `${log.conv} ${u}`).sort());
    expect(await s.directory.isMember(log.conv, kim.userId)).toBe(false);
  });
});

describe('blocks', () => {
  it('announce the blocked person’s loss of the direct conversation, and nothing without one', async () => {
    const lan = await registerUser(s.app, 'lan');
    const minh = await registerUser(s.app, 'minh');
    const hoa = await registerUser(s.app, 'hoa');
    const direct = await call(s.app, 'POST', '/api/conversations/direct', { token: lan.accessToken, body: { peerUserId: minh.user.id } });
    const conv = (await json<{ conversation: { id: string } }>(direct)).conversation.id;

    expect((await call(s.app, 'POST', '/api/blocks', { token: lan.accessToken, body: { userId: minh.user.id } })).status).toBe(201);
    expect(events).toEqual([{ kind: 'member', conversationId: conv, userId: minh.user.id }]);
    expect(await s.directory.isMember(conv, minh.user.id)).toBe(false);
    expect(await s.directory.isMember(conv, lan.user.id)).toBe(true);

    const none = await call(s.app, 'POST', '/api/blocks', { token: lan.accessToken, body: { userId: hoa.user.id } });
    expect(none.status).toBe(201);
    expect(events).toHaveLength(1);
    expect(await errorCode(await call(s.app, 'POST', '/api/blocks', { token: lan.accessToken, body: { userId: 'nobody-here' } }))).toBe('NOT_FOUND');
    expect(events).toHaveLength(1);
  });
});

describe('join and change hints', () => {
  const joined = (conversationId: string, ...users: string[]) => users.map((userId): Joined => ({ kind: 'joined', conversationId, userId })).sort((a, b) => a.userId.localeCompare(b.userId));
  const sorted = () => [...joins].sort((a, b) => a.userId.localeCompare(b.userId));

  it('name every member of a new group (the creator too, for their other devices) and each added member; nothing else gives a hint', async () => {
    const [owner, kim, minh, hoa] = await Promise.all(['owner', 'kim', 'minh', 'hoa'].map((n) => registerSigner(s.app, n)));
    if (!owner || !kim || !minh || !hoa) throw new Error('signers');
    const log = new ClientLog(newGroupId());
    expect((await createGroupVia(s.app, owner, log, [asMember(kim), asMember(minh)])).status).toBe(201);
    expect(sorted()).toEqual(joined(log.conv, owner.userId, kim.userId, minh.userId));
    expect(changes).toEqual([]); // nobody followed it before

    joins.length = 0;
    expect((await change(s.app, log, owner, { op: 'add', member: asMember(hoa) })).status).toBe(201);
    expect(joins).toEqual(joined(log.conv, hoa.userId));
    expect(changes).toEqual([log.conv]); // those who follow it see the new member list now
    expect(events).toEqual([]); // a join is no revocation

    joins.length = 0;
    expect((await change(s.app, log, owner, { op: 'role', user: kim.userId, role: 'admin' })).status).toBe(200);
    expect((await change(s.app, log, kim, { op: 'remove', user: minh.userId, epoch: log.epoch + 1 })).status).toBe(200);
    expect((await change(s.app, log, hoa, { op: 'rotate', epoch: log.epoch + 1 })).status).toBe(201);
    expect(joins).toEqual([]);
    expect(changes).toEqual(Array(4).fill(log.conv)); // each change of the log is a change hint
    // adding through the generic log route gives the same hint, once the member is back
    const back = log.sign(owner, { op: 'add', member: asMember(minh) });
    expect((await call(s.app, 'POST', `/api/conversations/${log.conv}/log`, { token: owner.token, body: { entry: back } })).status).toBe(201);
    expect(joins).toEqual(joined(log.conv, minh.userId));
    expect(changes).toHaveLength(5);
  });

  it('a rename is a change hint, and an unblock names the unblocked person as given the 1-1 back', async () => {
    const [owner, kim] = await Promise.all(['owner', 'kim'].map((n) => registerSigner(s.app, n)));
    if (!owner || !kim) throw new Error('signers');
    const log = new ClientLog(newGroupId());
    expect((await createGroupVia(s.app, owner, log, [asMember(kim)])).status).toBe(201);
    expect((await call(s.app, 'PUT', `/api/groups/${log.conv}`, { token: owner.token, body: { name: 'Tên mới' } })).status).toBe(200);
    expect(changes).toEqual([log.conv]);
    // a member who may not rename gives no hint
    expect((await call(s.app, 'PUT', `/api/groups/${log.conv}`, { token: kim.token, body: { name: 'Không được' } })).status).toBe(403);
    expect(changes).toEqual([log.conv]);

    const opened = await call(s.app, 'POST', '/api/conversations/direct', { token: owner.token, body: { peerUserId: kim.userId } });
    const direct = (await json<{ conversation: { id: string } }>(opened)).conversation.id;
    expect((await call(s.app, 'POST', '/api/blocks', { token: owner.token, body: { userId: kim.userId } })).status).toBe(201);
    joins.length = 0;
    expect((await call(s.app, 'DELETE', `/api/blocks/${kim.userId}`, { token: owner.token })).status).toBe(204);
    expect(joins).toEqual(joined(direct, kim.userId));
    // nothing to unblock: no hint
    expect((await call(s.app, 'DELETE', `/api/blocks/${kim.userId}`, { token: owner.token })).status).toBe(404);
    expect(joins).toHaveLength(1);
  });

  it('name both people of a new 1-1 conversation, once: not when it already exists, nor for its create entry', async () => {
    const lan = await registerSigner(s.app, 'lan');
    const minh = await registerSigner(s.app, 'minh');
    const open = () => call(s.app, 'POST', '/api/conversations/direct', { token: lan.token, body: { peerUserId: minh.userId } });
    const first = await open();
    expect(first.status).toBe(201);
    const conv = (await json<{ conversation: { id: string } }>(first)).conversation.id;
    expect(sorted()).toEqual(joined(conv, lan.userId, minh.userId));

    joins.length = 0;
    expect((await open()).status).toBe(200);
    const log = new ClientLog(conv);
    const create = log.sign(lan, { op: 'create', kind: 'direct', members: [asMember(lan, 'owner'), asMember(minh)], epoch: 1 });
    expect((await call(s.app, 'POST', `/api/conversations/${conv}/log`, { token: lan.token, body: { entry: create } })).status).toBe(201);
    expect(joins).toEqual([]);
    expect(changes).toEqual([]);
  });

  it('a refused change gives no hint, and a bus that is down does not fail the request', async () => {
    const [owner, kim] = await Promise.all(['owner', 'kim'].map((n) => registerSigner(s.app, n)));
    if (!owner || !kim) throw new Error('signers');
    const log = new ClientLog(newGroupId());
    expect((await createGroupVia(s.app, owner, log)).status).toBe(201);
    joins.length = 0;
    const stale = log.sign(owner, { op: 'add', member: asMember(kim) }, null); // does not extend the head
    expect((await call(s.app, 'POST', `/api/groups/${log.conv}/members`, { token: owner.token, body: { entry: stale } })).status).toBe(409);
    expect(joins).toEqual([]);
    expect(changes).toEqual([]);

    await bus.close(); // publish now rejects with UNAVAILABLE
    expect((await change(s.app, log, owner, { op: 'add', member: asMember(kim) })).status).toBe(201);
    expect(await s.directory.isMember(log.conv, kim.userId)).toBe(true);
  });
});
