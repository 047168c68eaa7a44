import type { MembershipEntry } from '@mekong/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, json, setupServices, type TestServices } from '../test-helpers';
import { asMember, ClientLog, change, createGroupVia, expectRowsMatchLog, newGroupId, registerSigner, type Signer, snapshot } from './test-support';

let s: TestServices;
let owner: Signer;
let admin: Signer;
let member: Signer;
let other: Signer;
let outsider: Signer;
let log: ClientLog;
beforeEach(async () => {
  s = await setupServices();
  const signers = await Promise.all(['owner', 'admin', 'member', 'other', 'outsider'].map((n) => registerSigner(s.app, `u_${n}`)));
  [owner, admin, member, other, outsider] = signers as [Signer, Signer, Signer, Signer, Signer];
  log = new ClientLog(newGroupId());
  const res = await createGroupVia(s.app, owner, log, [asMember(admin, 'admin'), asMember(member), asMember(other)]);
  if (res.status !== 201) throw new Error(await res.text());
});
afterEach(() => s.db.destroy());

/** Expects the change to be refused with `status`/`code` (and the message to name `reason`), leaving everything as it was. */
async function refused(res: Promise<Response>, status: number, code: string, reason?: RegExp) {
  const before = await snapshot(s, log.conv);
  const r = await res;
  const body = await json<{ error: { code: string; message: string } }>(r);
  expect([r.status, body.error?.code]).toEqual([status, code]);
  if (reason) expect(body.error.message).toMatch(reason);
  expect(await snapshot(s, log.conv)).toEqual(before);
  await expectRowsMatchLog(s, log.conv);
}

describe('the rules of authorize, through HTTP', () => {
  it('lets admins and the owner add; members may not (403)', async () => {
    await refused(change(s.app, log, member, { op: 'add', member: asMember(outsider) }), 403, 'FORBIDDEN', /only admins and the owner add members/);
    expect((await change(s.app, log, admin, { op: 'add', member: asMember(outsider) })).status).toBe(201);
    await expectRowsMatchLog(s, log.conv);
  });

  it('lets only the owner add an admin, and nobody join as owner', async () => {
    await refused(change(s.app, log, admin, { op: 'add', member: asMember(outsider, 'admin') }), 403, 'FORBIDDEN', /only the owner adds admins/);
    await refused(change(s.app, log, owner, { op: 'add', member: asMember(outsider, 'owner') }), 403, 'FORBIDDEN', /nobody joins as owner/);
    await refused(change(s.app, log, owner, { op: 'add', member: asMember(member) }), 403, 'FORBIDDEN', /already a member/);
    expect((await change(s.app, log, owner, { op: 'add', member: asMember(outsider, 'admin') })).status).toBe(201);
    expect(log.state?.members.get(outsider.userId)?.role).toBe('admin');
    await expectRowsMatchLog(s, log.conv);
  });

  it('checks the identity key of an added member against the registered one (400)', async () => {
    await refused(change(s.app, log, owner, { op: 'add', member: { ...asMember(outsider), identityKey: member.identityKey } }), 400, 'BAD_REQUEST');
    await refused(change(s.app, log, owner, { op: 'add', member: { ...asMember(outsider), user: 'nobody' } }), 404, 'NOT_FOUND');
  });

  it('transfers ownership: the new owner rules, the old one becomes an admin', async () => {
    await refused(change(s.app, log, admin, { op: 'role', user: member.userId, role: 'admin' }), 403, 'FORBIDDEN', /only the owner changes roles/);
    await refused(change(s.app, log, owner, { op: 'role', user: owner.userId, role: 'member' }), 403, 'FORBIDDEN', /hands over ownership/);
    await refused(change(s.app, log, owner, { op: 'role', user: outsider.userId, role: 'admin' }), 403, 'FORBIDDEN', /not a member/);
    expect((await change(s.app, log, owner, { op: 'role', user: member.userId, role: 'owner' })).status).toBe(200);
    await expectRowsMatchLog(s, log.conv);
    expect(Object.fromEntries([...(log.state?.members.values() ?? [])].map((m) => [m.user, m.role]))).toEqual({
      [owner.userId]: 'admin',
      [admin.userId]: 'admin',
      [member.userId]: 'owner',
      [other.userId]: 'member',
    });
    // the old owner lost the powers of one
    await refused(change(s.app, log, owner, { op: 'role', user: other.userId, role: 'admin' }), 403, 'FORBIDDEN');
    expect((await call(s.app, 'DELETE', `/api/groups/${log.conv}`, { token: owner.token })).status).toBe(403);
    expect((await change(s.app, log, member, { op: 'role', user: other.userId, role: 'admin' })).status).toBe(200);
    await expectRowsMatchLog(s, log.conv);
  });

  it('makes leaving start the next epoch, and the owner hand over before leaving', async () => {
    // epoch 1 can never be started again: the entry schema itself refuses it
    await refused(change(s.app, log, member, { op: 'leave', epoch: 1 }), 400, 'BAD_REQUEST');
    expect((await change(s.app, log, other, { op: 'rotate', epoch: 2 })).status).toBe(201);
    await refused(change(s.app, log, member, { op: 'leave', epoch: 2 }), 403, 'FORBIDDEN', /leaving must start the next epoch/);
    await refused(change(s.app, log, member, { op: 'leave', epoch: 4 }), 403, 'FORBIDDEN', /leaving must start the next epoch/);
    await refused(change(s.app, log, owner, { op: 'leave', epoch: 3 }), 403, 'FORBIDDEN', /hands over ownership before leaving/);
    expect((await change(s.app, log, member, { op: 'leave', epoch: 3 })).status).toBe(200);
    await expectRowsMatchLog(s, log.conv);
    expect((await change(s.app, log, owner, { op: 'role', user: admin.userId, role: 'owner' })).status).toBe(200);
    expect((await change(s.app, log, owner, { op: 'leave', epoch: 4 })).status).toBe(200);
    const state = await expectRowsMatchLog(s, log.conv);
    expect([...(state?.members.keys() ?? [])].sort()).toEqual([admin.userId, other.userId].sort());
  });

  it('has the last member disband rather than leave an empty group', async () => {
    const solo = new ClientLog(newGroupId());
    await createGroupVia(s.app, outsider, solo);
    const res = await change(s.app, solo, outsider, { op: 'leave', epoch: 2 });
    expect(res.status).toBe(403);
    expect((await json<{ error: { message: string } }>(res)).error.message).toMatch(/disbands/);
    await expectRowsMatchLog(s, solo.conv);
  });

  it('makes removal start the next epoch, and lets only higher ranks remove', async () => {
    await refused(change(s.app, log, admin, { op: 'remove', user: member.userId, epoch: 3 }), 403, 'FORBIDDEN', /a removal must start the next epoch/);
    expect((await change(s.app, log, other, { op: 'rotate', epoch: 2 })).status).toBe(201);
    await refused(change(s.app, log, admin, { op: 'remove', user: member.userId, epoch: 2 }), 403, 'FORBIDDEN', /a removal must start the next epoch/);
    await refused(change(s.app, log, member, { op: 'remove', user: other.userId, epoch: 3 }), 403, 'FORBIDDEN', /not allowed to remove/);
    await refused(change(s.app, log, admin, { op: 'remove', user: owner.userId, epoch: 3 }), 403, 'FORBIDDEN', /not allowed to remove/);
    await refused(change(s.app, log, admin, { op: 'remove', user: outsider.userId, epoch: 3 }), 403, 'FORBIDDEN', /not a member/);
    expect((await change(s.app, log, owner, { op: 'add', member: asMember(outsider, 'admin') })).status).toBe(201);
    await refused(change(s.app, log, admin, { op: 'remove', user: outsider.userId, epoch: 3 }), 403, 'FORBIDDEN', /not allowed to remove/);
    expect((await change(s.app, log, admin, { op: 'remove', user: member.userId, epoch: 3 })).status).toBe(200);
    expect(await json(await call(s.app, 'GET', `/api/groups/${log.conv}`, { token: admin.token }))).toMatchObject({ group: { epoch: 3, logLength: 4 } });
    expect(await s.directory.isMember(log.conv, member.userId)).toBe(false);
    expect((await change(s.app, log, owner, { op: 'remove', user: outsider.userId, epoch: 4 })).status).toBe(200);
    await expectRowsMatchLog(s, log.conv);
  });
});

describe('what the server checks beyond the rules', () => {
  it('refuses an entry that does not match the path (400)', async () => {
    const base = `/api/groups/${log.conv}/members`;
    const remove = log.sign(admin, { op: 'remove', user: member.userId, epoch: 2 });
    await refused(call(s.app, 'POST', base, { token: admin.token, body: { entry: remove } }), 400, 'BAD_REQUEST');
    await refused(call(s.app, 'DELETE', `${base}/${other.userId}`, { token: admin.token, body: { entry: remove } }), 400, 'BAD_REQUEST');
    await refused(call(s.app, 'DELETE', `${base}/${admin.userId}`, { token: admin.token, body: { entry: remove } }), 400, 'BAD_REQUEST');
    const leave = log.sign(member, { op: 'leave', epoch: 2 });
    await refused(call(s.app, 'DELETE', `${base}/${other.userId}`, { token: member.token, body: { entry: leave } }), 400, 'BAD_REQUEST');
    const role = log.sign(owner, { op: 'role', user: member.userId, role: 'admin' });
    await refused(call(s.app, 'PUT', `${base}/${other.userId}/role`, { token: owner.token, body: { entry: role } }), 400, 'BAD_REQUEST');
    await refused(call(s.app, 'PUT', `${base}/${member.userId}/role`, { token: owner.token, body: { entry: remove } }), 400, 'BAD_REQUEST');
    for (const body of [{}, { entry: { ...role, extra: 1 } }, { entry: { ...role, change: { op: 'promote' } } }, 'nope']) {
      await refused(call(s.app, 'PUT', `${base}/${member.userId}/role`, { token: owner.token, body }), 400, 'BAD_REQUEST');
    }
  });

  it('refuses an entry authored by another user or device than the caller (403)', async () => {
    const byAdmin = log.sign(admin, { op: 'add', member: asMember(outsider) });
    await refused(call(s.app, 'POST', `/api/groups/${log.conv}/members`, { token: owner.token, body: { entry: byAdmin } }), 403, 'FORBIDDEN', /device of this session/);
  });

  it('refuses an entry replayed from another group (403) and an entry already applied (409)', async () => {
    const second = new ClientLog(newGroupId());
    await createGroupVia(s.app, owner, second, [asMember(member)]);
    // same author, same index and a chain hash the attacker may even have matched: the conv differs
    const foreign = second.sign(owner, { op: 'add', member: asMember(outsider) }, log.state);
    await refused(call(s.app, 'POST', `/api/groups/${log.conv}/members`, { token: owner.token, body: { entry: foreign } }), 403, 'FORBIDDEN', /another conversation/);
    const applied = log.sign(owner, { op: 'add', member: asMember(outsider) });
    expect((await change(s.app, log, owner, applied.change, { entry: applied })).status).toBe(201);
    await refused(call(s.app, 'POST', `/api/groups/${second.conv}/members`, { token: owner.token, body: { entry: applied } }), 403, 'FORBIDDEN');
    await refused(call(s.app, 'POST', `/api/groups/${log.conv}/members`, { token: owner.token, body: { entry: applied } }), 409, 'CONFLICT');
  });

  it('refuses an entry on a stale head with 409; re-signed on the new head it goes through', async () => {
    const stale = log.sign(admin, { op: 'add', member: asMember(outsider) });
    expect((await change(s.app, log, owner, { op: 'rotate', epoch: 2 })).status).toBe(201);
    await refused(call(s.app, 'POST', `/api/groups/${log.conv}/members`, { token: admin.token, body: { entry: stale } }), 409, 'CONFLICT', /fetch the new entries/);
    const forged: MembershipEntry = { ...stale, index: log.state?.length ?? 0 };
    await refused(call(s.app, 'POST', `/api/groups/${log.conv}/members`, { token: admin.token, body: { entry: forged } }), 409, 'CONFLICT');
    expect((await change(s.app, log, admin, stale.change)).status).toBe(201);
    await expectRowsMatchLog(s, log.conv);
  });

  it('settles 5 concurrent additions at one head on exactly one, without forking the log', async () => {
    const extra = await Promise.all([1, 2, 3, 4, 5].map((i) => registerSigner(s.app, `extra_${i}`)));
    const entries = extra.map((u) => log.sign(owner, { op: 'add', member: asMember(u) }));
    const results = await Promise.all(entries.map((entry) => call(s.app, 'POST', `/api/groups/${log.conv}/members`, { token: owner.token, body: { entry } })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const winner = entries[results.findIndex((r) => r.status === 201)];
    if (!winner) throw new Error('no winner');
    log.accept(winner);
    const state = await expectRowsMatchLog(s, log.conv);
    expect(state?.length).toBe(2);
    expect(state?.head).toBe(log.state?.head);
    const served = await json<{ entries: MembershipEntry[] }>(await call(s.app, 'GET', `/api/conversations/${log.conv}/log`, { token: owner.token }));
    expect(served.entries.map((e) => e.index)).toEqual([0, 1]);
    expect(served.entries[1]).toEqual(winner);
  });
});
