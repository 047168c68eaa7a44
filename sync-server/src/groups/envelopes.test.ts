import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, countRows, errorCode, json, newDevice, setupServices, type TestServices } from '../test-helpers';
import { asMember, ClientLog, change, createGroupVia, newGroupId, registerSigner, type Signer } from './test-support';

let s: TestServices;
let owner: Signer;
let early: Signer;
let late: Signer;
let log: ClientLog;
beforeEach(async () => {
  s = await setupServices();
  [owner, early, late] = [await registerSigner(s.app, 'owner'), await registerSigner(s.app, 'early'), await registerSigner(s.app, 'late')];
  log = new ClientLog(newGroupId());
  await createGroupVia(s.app, owner, log, [asMember(early)]);
});
afterEach(() => s.db.destroy());

const sealed = () => randomBytes(80).toString('base64url');
const postKeys = (who: Signer | string, envelopes: { epoch: number; recipientDevice: string }[]) =>
  call(s.app, 'POST', `/api/conversations/${log.conv}/keys`, {
    token: typeof who === 'string' ? who : who.token,
    body: { envelopes: envelopes.map((e) => ({ ...e, data: sealed() })) },
  });

async function refusedKeys(who: Signer, envelopes: { epoch: number; recipientDevice: string }[], reason: RegExp) {
  const before = await countRows(s.db, 'key_envelopes');
  const res = await postKeys(who, envelopes);
  const body = await json<{ error: { code: string; message: string } }>(res);
  expect([res.status, body.error.code]).toEqual([403, 'FORBIDDEN']);
  expect(body.error.message).toMatch(reason);
  expect(await countRows(s.db, 'key_envelopes')).toBe(before);
}

describe('key envelopes of a conversation with a membership log', () => {
  it('takes epochs the log has started, from and to their holders', async () => {
    expect((await postKeys(owner, [{ epoch: 1, recipientDevice: early.deviceId }, { epoch: 1, recipientDevice: owner.deviceId }])).status).toBe(204);
    await refusedKeys(owner, [{ epoch: 2, recipientDevice: early.deviceId }], /not in the membership log/);
    await refusedKeys(owner, [{ epoch: 0, recipientDevice: early.deviceId }], /not in the membership log/);
    await refusedKeys(owner, [{ epoch: 1, recipientDevice: late.deviceId }], /recipient was not a member during epoch 1/);
  });

  it('gives a member added later the keys of their epochs only, and lets them share only those', async () => {
    expect((await change(s.app, log, owner, { op: 'rotate', epoch: 2 })).status).toBe(201);
    expect((await change(s.app, log, owner, { op: 'add', member: asMember(late) })).status).toBe(201);
    expect((await postKeys(owner, [{ epoch: 2, recipientDevice: late.deviceId }])).status).toBe(204);
    await refusedKeys(owner, [{ epoch: 1, recipientDevice: late.deviceId }], /recipient was not a member during epoch 1/);
    await refusedKeys(late, [{ epoch: 1, recipientDevice: early.deviceId }], /You were not a member during epoch 1/);
    expect((await postKeys(late, [{ epoch: 2, recipientDevice: early.deviceId }])).status).toBe(204);

    // a second device of a member of both epochs may receive both keys
    const session = await json<{ accessToken: string }>(
      await call(s.app, 'POST', '/api/users/login', { body: { username: 'early', loginSecret: early.reg.loginSecret } }),
    );
    const phone = await json<{ deviceId: string }>(await call(s.app, 'POST', '/api/users/me/devices', { token: session.accessToken, body: newDevice('phone') }));
    expect((await postKeys(owner, [{ epoch: 1, recipientDevice: phone.deviceId }, { epoch: 2, recipientDevice: phone.deviceId }])).status).toBe(204);
  });

  it('shuts a removed member out of the new epoch and out of sending or reading keys', async () => {
    expect((await change(s.app, log, owner, { op: 'remove', user: early.userId, epoch: 2 })).status).toBe(200);
    await refusedKeys(owner, [{ epoch: 2, recipientDevice: early.deviceId }], /recipient was not a member during epoch 2/);
    // even the key of an epoch they held: they are no longer a member
    await refusedKeys(owner, [{ epoch: 1, recipientDevice: early.deviceId }], /active device of a member/);
    const res = await postKeys(early, [{ epoch: 1, recipientDevice: owner.deviceId }]);
    expect(await errorCode(res)).toBe('NOT_MEMBER');
    expect(await errorCode(await call(s.app, 'GET', `/api/conversations/${log.conv}/keys`, { token: early.token }))).toBe('NOT_MEMBER');
  });

  it('applies to a direct conversation once its create entry is in', async () => {
    const conv = (await json<{ conversation: { id: string } }>(await call(s.app, 'POST', '/api/conversations/direct', { token: owner.token, body: { peerUserId: late.userId } }))).conversation.id;
    const send = (epoch: number) =>
      call(s.app, 'POST', `/api/conversations/${conv}/keys`, { token: owner.token, body: { envelopes: [{ epoch, recipientDevice: late.deviceId, data: sealed() }] } });
    // before the log starts, only membership is checked (clients post the create entry first)
    expect((await send(7)).status).toBe(204);
    const direct = new ClientLog(conv);
    const entry = direct.sign(owner, { op: 'create', kind: 'direct', members: [asMember(owner, 'owner'), asMember(late)], epoch: 1 });
    expect((await call(s.app, 'POST', `/api/conversations/${conv}/log`, { token: owner.token, body: { entry } })).status).toBe(201);
    expect((await send(1)).status).toBe(204);
    expect((await send(2)).status).toBe(403);
  });
});
