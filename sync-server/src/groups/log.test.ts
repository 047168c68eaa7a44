import type { MembershipEntry } from '@mekong/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, errorCode, json, setupServices, type TestServices } from '../test-helpers';
import { asMember, ClientLog, createGroupVia, expectRowsMatchLog, newGroupId, registerSigner, type Signer, snapshot } from './test-support';

let s: TestServices;
let lan: Signer;
let minh: Signer;
let hoa: Signer;
beforeEach(async () => {
  s = await setupServices();
  [lan, minh, hoa] = [await registerSigner(s.app, 'lan'), await registerSigner(s.app, 'minh'), await registerSigner(s.app, 'hoa')];
});
afterEach(() => s.db.destroy());

interface DirectBody {
  conversation: { id: string; kind: string; members: { userId: string; role: string }[] };
  logLength: number;
}
const direct = async (who: Signer, peer: Signer) => json<DirectBody>(await call(s.app, 'POST', '/api/conversations/direct', { token: who.token, body: { peerUserId: peer.userId } }));
const postLog = (who: Signer, conv: string, entry: unknown) => call(s.app, 'POST', `/api/conversations/${conv}/log`, { token: who.token, body: { entry } });
const getLog = (who: Signer, conv: string, query = '') => call(s.app, 'GET', `/api/conversations/${conv}/log${query}`, { token: who.token });
const directCreate = (log: ClientLog, by: Signer, peer: Signer) =>
  log.sign(by, { op: 'create', kind: 'direct', members: [asMember(by, 'owner'), asMember(peer)], epoch: 1 });

describe('the membership log of a direct conversation', () => {
  it('starts empty, takes the create entry of either member once, then reports its length', async () => {
    const first = await direct(lan, minh);
    expect(first.logLength).toBe(0);
    const log = new ClientLog(first.conversation.id);
    const entry = directCreate(log, lan, minh);
    const res = await postLog(lan, log.conv, entry);
    expect(res.status).toBe(201);
    expect(await json(res)).toEqual({ length: 1, epoch: 1 });
    log.accept(entry);
    await expectRowsMatchLog(s, log.conv);
    expect((await direct(minh, lan)).logLength).toBe(1);
    // the peer raced and signed its own create entry: it no longer extends the head
    const late = await postLog(minh, log.conv, directCreate(new ClientLog(log.conv), minh, lan));
    expect(late.status).toBe(409);
    const served = await json<{ entries: MembershipEntry[]; length: number }>(await getLog(minh, log.conv));
    expect(served).toEqual({ entries: [entry], length: 1 });
  });

  it('settles create entries posted at once by both members on one of them', async () => {
    const conv = (await direct(lan, minh)).conversation.id;
    const entries = [directCreate(new ClientLog(conv), lan, minh), directCreate(new ClientLog(conv), minh, lan)];
    const results = await Promise.all([postLog(lan, conv, entries[0]), postLog(minh, conv, entries[1])]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const winner = entries[results.findIndex((r) => r.status === 201)];
    expect(await json(await getLog(lan, conv))).toEqual({ entries: [winner], length: 1 });
    const state = await expectRowsMatchLog(s, conv);
    expect(state?.members.get(winner?.by.user ?? '')?.role).toBe('owner');
  });

  it('keeps the two members fixed: only rotations follow the create entry', async () => {
    const log = new ClientLog((await direct(lan, minh)).conversation.id);
    const create = directCreate(log, lan, minh);
    expect((await postLog(lan, log.conv, create)).status).toBe(201);
    log.accept(create);
    const before = await snapshot(s, log.conv);
    const attempts: [Signer, Parameters<ClientLog['sign']>[1], RegExp][] = [
      [lan, { op: 'add', member: asMember(hoa) }, /fixed members/],
      [lan, { op: 'remove', user: minh.userId, epoch: 2 }, /fixed members/],
      [minh, { op: 'leave', epoch: 2 }, /fixed members/],
      [lan, { op: 'role', user: minh.userId, role: 'owner' }, /fixed members/],
    ];
    for (const [who, op, reason] of attempts) {
      const res = await postLog(who, log.conv, log.sign(who, op));
      expect(res.status, op.op).toBe(403);
      expect((await json<{ error: { message: string } }>(res)).error.message).toMatch(reason);
    }
    expect(await snapshot(s, log.conv)).toEqual(before);
    // and the group routes do not know it
    expect(await errorCode(await call(s.app, 'POST', `/api/groups/${log.conv}/members`, { token: lan.token, body: { entry: log.sign(lan, { op: 'add', member: asMember(hoa) }) } }))).toBe('NOT_FOUND');
    const rotate = log.sign(minh, { op: 'rotate', epoch: 2 });
    expect((await postLog(minh, log.conv, rotate)).status).toBe(201);
    log.accept(rotate);
    await expectRowsMatchLog(s, log.conv);
  });

  it('refuses a create entry that does not fit the conversation', async () => {
    const conv = (await direct(lan, minh)).conversation.id;
    const log = new ClientLog(conv);
    const cases: [unknown, number][] = [
      [log.sign(lan, { op: 'create', kind: 'direct', members: [asMember(lan, 'owner'), asMember(hoa)], epoch: 1 }), 400],
      [log.sign(lan, { op: 'create', kind: 'group', members: [asMember(lan, 'owner'), asMember(minh)], epoch: 1 }), 400],
      [log.sign(lan, { op: 'create', kind: 'direct', members: [asMember(lan, 'owner'), asMember(minh), asMember(hoa)], epoch: 1 }), 403],
      [log.sign(lan, { op: 'create', kind: 'direct', members: [asMember(lan, 'owner'), { ...asMember(minh), identityKey: hoa.identityKey }], epoch: 1 }), 400],
      [directCreate(log, minh, lan), 403],
      [log.sign(lan, { op: 'rotate', epoch: 2 }), 403],
    ];
    for (const [entry, status] of cases) expect((await postLog(lan, conv, entry)).status).toBe(status);
    expect((await postLog(hoa, conv, directCreate(log, hoa, lan))).status).toBe(403);
    expect((await direct(lan, minh)).logLength).toBe(0);
    // the members did not move either
    const rows = await s.db.selectFrom('conversation_members').select(['user_id', 'role']).where('conversation_id', '=', conv).execute();
    expect(rows.map((r) => r.role)).toEqual(['member', 'member']);
  });
});

describe('GET /api/conversations/:id/log', () => {
  it('pages a long log by index, and a client verifies the pages as one chain', async () => {
    const log = new ClientLog(newGroupId());
    await createGroupVia(s.app, lan, log, [asMember(minh)]);
    for (let epoch = 2; epoch <= 12; epoch++) {
      const entry = log.sign(minh, { op: 'rotate', epoch });
      expect((await postLog(minh, log.conv, entry)).status).toBe(201);
      log.accept(entry);
    }
    const pages: MembershipEntry[] = [];
    let length = -1;
    while (pages.length !== length) {
      const page = await json<{ entries: MembershipEntry[]; length: number }>(await getLog(lan, log.conv, `?after=${pages.length}&limit=5`));
      expect(page.entries.length).toBeLessThanOrEqual(5);
      pages.push(...page.entries);
      length = page.length;
    }
    expect(pages).toEqual(log.entries);
    expect(pages).toHaveLength(12);
    const tail = await json<{ entries: MembershipEntry[] }>(await getLog(lan, log.conv, '?after=11'));
    expect(tail.entries.map((e) => e.index)).toEqual([11]);
    expect(await json(await getLog(lan, log.conv, '?after=12'))).toEqual({ entries: [], length: 12 });
  });

  it('serves current members only; typed errors for strangers, unknown ids and bad queries', async () => {
    const log = new ClientLog(newGroupId());
    await createGroupVia(s.app, lan, log, [asMember(minh)]);
    expect(await errorCode(await getLog(hoa, log.conv))).toBe('NOT_MEMBER');
    expect(await errorCode(await getLog(hoa, 'nope'))).toBe('NOT_FOUND');
    expect((await call(s.app, 'GET', `/api/conversations/${log.conv}/log`)).status).toBe(401);
    for (const q of ['?after=-1', '?after=x', '?limit=0', '?limit=1001', '?other=1']) {
      const res = await getLog(lan, log.conv, q);
      expect([q, res.status, await errorCode(res)]).toEqual([q, 400, 'BAD_REQUEST']);
    }
    const direct = (await json<{ conversation: { id: string } }>(await call(s.app, 'POST', '/api/conversations/direct', { token: lan.token, body: { peerUserId: minh.userId } }))).conversation.id;
    expect(await json(await getLog(minh, direct))).toEqual({ entries: [], length: 0 });
  });

  it('refuses appends from non-members and to unknown conversations', async () => {
    const log = new ClientLog(newGroupId());
    await createGroupVia(s.app, lan, log, [asMember(minh)]);
    expect(await errorCode(await postLog(hoa, log.conv, log.sign(hoa, { op: 'rotate', epoch: 2 })))).toBe('NOT_MEMBER');
    expect(await errorCode(await postLog(hoa, 'nope', log.sign(hoa, { op: 'rotate', epoch: 2 }, log.state, 'nope')))).toBe('NOT_FOUND');
    expect(await errorCode(await postLog(lan, log.conv, { nope: true }))).toBe('BAD_REQUEST');
    await expectRowsMatchLog(s, log.conv);
  });
});
