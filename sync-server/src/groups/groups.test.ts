import { randomBytes } from 'node:crypto';
import type { Group, MembershipEntry } from '@mekong/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, countRows, errorCode, json, setupServices, type TestServices } from '../test-helpers';
import { asMember, ClientLog, change, createChange, createGroupVia, expectRowsMatchLog, newGroupId, registerSigner, type Signer, snapshot } from './test-support';

let s: TestServices;
let lan: Signer;
let minh: Signer;
let hoa: Signer;
let tuan: Signer;
beforeEach(async () => {
  s = await setupServices();
  [lan, minh, hoa, tuan] = [await registerSigner(s.app, 'lan'), await registerSigner(s.app, 'minh'), await registerSigner(s.app, 'hoa'), await registerSigner(s.app, 'tuan')];
});
afterEach(() => s.db.destroy());

const getGroup = (who: Signer, id: string) => call(s.app, 'GET', `/api/groups/${id}`, { token: who.token });
const groupOf = async (who: Signer, id: string) => (await json<{ group: Group }>(await getGroup(who, id))).group;
const members = (...list: [Signer, string][]) =>
  list.map(([who, role]) => ({ userId: who.userId, role })).sort((a, b) => (a.userId < b.userId ? -1 : 1));

describe('group lifecycle', () => {
  it('creates, grows, hands over, shrinks and disbands a group, the member rows following the log at every step', async () => {
    const log = new ClientLog(newGroupId());
    const created = await createGroupVia(s.app, lan, log, [asMember(minh)], { description: 'Đi chơi cuối tuần', avatar: 'blob_1' });
    expect(created.status).toBe(201);
    expect(await json(created)).toEqual({
      group: {
        id: log.conv,
        name: 'Nhóm bạn',
        description: 'Đi chơi cuối tuần',
        avatar: 'blob_1',
        createdAt: expect.any(Number),
        members: members([lan, 'owner'], [minh, 'member']),
        epoch: 1,
        logLength: 1,
      },
    });
    await expectRowsMatchLog(s, log.conv);

    // the group shows in the conversation list of its members, with its name
    const list = await json<{ conversations: { id: string; kind: string; name?: string }[] }>(await call(s.app, 'GET', '/api/conversations', { token: minh.token }));
    expect(list.conversations).toEqual([expect.objectContaining({ id: log.conv, kind: 'group', name: 'Nhóm bạn' })]);
    expect(await s.directory.isMember(log.conv, minh.userId)).toBe(true);

    const steps: [Signer, Parameters<typeof change>[3], number][] = [
      [lan, { op: 'add', member: asMember(hoa, 'admin') }, 201],
      [hoa, { op: 'add', member: asMember(tuan) }, 201],
      [lan, { op: 'role', user: minh.userId, role: 'admin' }, 200],
      [hoa, { op: 'remove', user: tuan.userId, epoch: 2 }, 200],
      [minh, { op: 'leave', epoch: 3 }, 200],
      [lan, { op: 'role', user: hoa.userId, role: 'owner' }, 200],
      [lan, { op: 'leave', epoch: 4 }, 200],
      [hoa, { op: 'rotate', epoch: 5 }, 201],
    ];
    for (const [who, op, status] of steps) {
      const res = await change(s.app, log, who, op);
      expect(res.status, `${op.op} by ${who.reg.user.username}: ${await res.clone().text()}`).toBe(status);
      expect(await json(res)).toEqual({ length: log.state?.length, epoch: log.state?.epoch });
      await expectRowsMatchLog(s, log.conv);
    }
    const group = await groupOf(hoa, log.conv);
    expect(group.members).toEqual([{ userId: hoa.userId, role: 'owner' }]);
    expect(group).toMatchObject({ epoch: 5, logLength: 9 });

    // the log served back verifies from its first entry to the client's own head
    const served = await json<{ entries: MembershipEntry[]; length: number }>(await call(s.app, 'GET', `/api/conversations/${log.conv}/log`, { token: hoa.token }));
    expect(served.entries).toEqual(log.entries);
    expect(served.length).toBe(9);

    for (const gone of [lan, minh, tuan]) {
      const res = await getGroup(gone, log.conv);
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe('NOT_MEMBER');
      expect(await s.directory.isMember(log.conv, gone.userId)).toBe(false);
    }

    const renamed = await call(s.app, 'PUT', `/api/groups/${log.conv}`, { token: hoa.token, body: { name: '  Hội cũ  ', description: null } });
    expect(renamed.status).toBe(200);
    expect((await json<{ group: Group }>(renamed)).group).toMatchObject({ name: 'Hội cũ', description: null, avatar: 'blob_1' });

    await call(s.app, 'POST', `/api/conversations/${log.conv}/keys`, {
      token: hoa.token,
      body: { envelopes: [{ epoch: 5, recipientDevice: hoa.deviceId, data: randomBytes(80).toString('base64url') }] },
    });
    expect(await countRows(s.db, 'key_envelopes')).toBe(1);
    expect((await call(s.app, 'DELETE', `/api/groups/${log.conv}`, { token: hoa.token })).status).toBe(204);
    for (const table of ['conversations', 'conversation_members', 'membership_log', 'membership_heads', 'membership_epochs', 'groups', 'key_envelopes'] as const) {
      expect(await countRows(s.db, table), table).toBe(0);
    }
    expect(await s.directory.isMember(log.conv, hoa.userId)).toBe(false);
    expect(await errorCode(await getGroup(hoa, log.conv))).toBe('NOT_FOUND');

    // the id of a disbanded group is never handed out again
    const again = await createGroupVia(s.app, hoa, new ClientLog(log.conv));
    expect(again.status).toBe(409);
    expect(await errorCode(again)).toBe('CONFLICT');
  });

  it('lets only the owner disband; admins and members are refused and nothing changes', async () => {
    const log = new ClientLog(newGroupId());
    await createGroupVia(s.app, lan, log, [asMember(minh, 'admin'), asMember(hoa)]);
    const before = await snapshot(s, log.conv);
    for (const who of [minh, hoa]) {
      const res = await call(s.app, 'DELETE', `/api/groups/${log.conv}`, { token: who.token });
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe('FORBIDDEN');
    }
    expect(await errorCode(await call(s.app, 'DELETE', `/api/groups/${log.conv}`, { token: tuan.token }))).toBe('NOT_MEMBER');
    expect(await snapshot(s, log.conv)).toEqual(before);
  });
});

describe('POST /api/groups: bad input is a typed 4xx and creates nothing', () => {
  const post = (who: Signer, body: unknown, token = who.token) => call(s.app, 'POST', '/api/groups', { token, body });
  const signed = (by: Signer, change = createChange(lan, [asMember(minh)]), conv = newGroupId()) => new ClientLog(conv).sign(by, change);

  it('refuses each malformed request with the right code', async () => {
    const good = signed(lan);
    const other = new ClientLog('x');
    const cases: [string, unknown, number, string][] = [
      ['no name', { entry: good }, 400, 'BAD_REQUEST'],
      ['blank name', { name: '   ', entry: good }, 400, 'BAD_REQUEST'],
      ['long name', { name: 'n'.repeat(101), entry: good }, 400, 'BAD_REQUEST'],
      ['control char', { name: 'a\u0007b', entry: good }, 400, 'BAD_REQUEST'],
      ['long description', { name: 'n', description: 'd'.repeat(501), entry: good }, 400, 'BAD_REQUEST'],
      ['bad avatar', { name: 'n', avatar: 'not an id', entry: good }, 400, 'BAD_REQUEST'],
      ['unknown field', { name: 'n', entry: good, members: [] }, 400, 'BAD_REQUEST'],
      ['not a create entry', { name: 'n', entry: signed(lan, { op: 'rotate', epoch: 2 }) }, 400, 'BAD_REQUEST'],
      ['direct kind', { name: 'n', entry: signed(lan, { op: 'create', kind: 'direct', members: [asMember(lan, 'owner'), asMember(minh)], epoch: 1 }) }, 400, 'BAD_REQUEST'],
      ['id too long', { name: 'n', entry: signed(lan, undefined, `g${'x'.repeat(64)}`) }, 400, 'BAD_REQUEST'],
      ['id not url-safe', { name: 'n', entry: signed(lan, undefined, 'g/../x') }, 400, 'BAD_REQUEST'],
      ['1,001 members', { name: 'n', entry: signed(lan, createChange(lan, Array.from({ length: 1000 }, (_, i) => ({ ...asMember(minh), user: `u${i}` })))) }, 400, 'BAD_REQUEST'],
      ['bad signature', { name: 'n', entry: { ...good, sig: 'AAAA' } }, 400, 'BAD_REQUEST'],
      ['wrong identity key', { name: 'n', entry: signed(lan, createChange(lan, [{ ...asMember(minh), identityKey: hoa.identityKey }])) }, 400, 'BAD_REQUEST'],
      ['unknown member', { name: 'n', entry: signed(lan, createChange(lan, [{ ...asMember(minh), user: 'nobody' }])) }, 404, 'NOT_FOUND'],
      ['creator not the owner', { name: 'n', entry: signed(lan, { op: 'create', kind: 'group', members: [asMember(lan), asMember(minh, 'owner')], epoch: 1 }) }, 403, 'FORBIDDEN'],
      ['two owners', { name: 'n', entry: signed(lan, createChange(lan, [asMember(minh, 'owner')])) }, 403, 'FORBIDDEN'],
      ['member twice', { name: 'n', entry: signed(lan, createChange(lan, [asMember(minh), asMember(minh)])) }, 403, 'FORBIDDEN'],
      ['signed as someone else', { name: 'n', entry: signed(minh, createChange(minh, [asMember(lan)])) }, 403, 'FORBIDDEN'],
      ['not at index 0', { name: 'n', entry: { ...other.sign(lan, createChange(lan)), conv: newGroupId(), index: 1 } }, 409, 'CONFLICT'],
    ];
    for (const [what, body, status, code] of cases) {
      const res = await post(lan, body);
      expect([what, res.status, await errorCode(res)]).toEqual([what, status, code]);
    }
    for (const table of ['conversations', 'conversation_members', 'groups', 'membership_log', 'membership_heads', 'membership_epochs'] as const) {
      expect(await countRows(s.db, table), table).toBe(0);
    }
  });

  it('needs a signed-in device: 401 without a token, 403 for a session without a device', async () => {
    expect((await call(s.app, 'POST', '/api/groups', { body: { name: 'n', entry: signed(lan) } })).status).toBe(401);
    const session = await json<{ accessToken: string }>(
      await call(s.app, 'POST', '/api/users/login', { body: { username: 'lan', loginSecret: lan.reg.loginSecret } }),
    );
    const res = await post(lan, { name: 'n', entry: signed(lan) }, session.accessToken);
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('FORBIDDEN');
    expect(await countRows(s.db, 'conversations')).toBe(0);
  });

  it('refuses an id already in use by a group or a direct conversation (409)', async () => {
    const log = new ClientLog(newGroupId());
    await createGroupVia(s.app, lan, log);
    const res = await post(minh, { name: 'n', entry: signed(minh, createChange(minh), log.conv) });
    expect(res.status).toBe(409);
    const direct = await json<{ conversation: { id: string } }>(await call(s.app, 'POST', '/api/conversations/direct', { token: lan.token, body: { peerUserId: minh.userId } }));
    expect((await post(lan, { name: 'n', entry: signed(lan, undefined, direct.conversation.id) })).status).toBe(409);
    expect(await countRows(s.db, 'groups')).toBe(1);
    await expectRowsMatchLog(s, log.conv);
  });

  it('bounds the body (413) above what a 1,000-member create entry needs', async () => {
    const res = await post(lan, { name: 'n', description: 'x'.repeat(300 * 1024), entry: signed(lan) });
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('GET and PUT /api/groups/:id', () => {
  it('validates updates: admins and owner only, at least one field, same bounds as creation', async () => {
    const log = new ClientLog(newGroupId());
    await createGroupVia(s.app, lan, log, [asMember(minh, 'admin'), asMember(hoa)]);
    const put = (who: Signer, body: unknown) => call(s.app, 'PUT', `/api/groups/${log.conv}`, { token: who.token, body });
    const before = await snapshot(s, log.conv);
    for (const body of [{}, { name: '' }, { name: 'n'.repeat(101) }, { description: 'd'.repeat(501) }, { avatar: '??' }, { owner: minh.userId }]) {
      expect((await put(lan, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect(await errorCode(await put(hoa, { name: 'mine now' }))).toBe('FORBIDDEN');
    expect(await errorCode(await put(tuan, { name: 'mine now' }))).toBe('NOT_MEMBER');
    expect(await snapshot(s, log.conv)).toEqual(before);

    const res = await put(minh, { avatar: null, description: 'line one\nline two' });
    expect(res.status).toBe(200);
    expect((await json<{ group: Group }>(res)).group).toMatchObject({ name: 'Nhóm bạn', avatar: null, description: 'line one\nline two' });
  });

  it('answers 404 for an unknown group and for a direct conversation', async () => {
    expect(await errorCode(await getGroup(lan, 'no_such_group'))).toBe('NOT_FOUND');
    const direct = await json<{ conversation: { id: string } }>(await call(s.app, 'POST', '/api/conversations/direct', { token: lan.token, body: { peerUserId: minh.userId } }));
    expect(await errorCode(await getGroup(lan, direct.conversation.id))).toBe('NOT_FOUND');
  });
});
