// A group at the 1,000-member cap: it fits the body limit, the cap holds, and one addition or
// removal stays cheap in time and bytes (printed, for the record).
import { randomBytes } from 'node:crypto';
import { MAX_CREATE_GROUP_BYTES, MAX_GROUP_MEMBERS, type LogMember } from '@mekong/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, errorCode, key32, setupServices, type TestServices, testEngine } from '../test-helpers';
import { chunks } from './members-sync';
import { asMember, ClientLog, createChange, expectRowsMatchLog, newGroupId, registerSigner, type Signer } from './test-support';

let s: TestServices;
let owner: Signer;
beforeEach(async () => {
  s = await setupServices();
  owner = await registerSigner(s.app, 'owner');
});
afterEach(() => s.db.destroy());

/** `n` accounts written straight to the database: only their ids and identity keys matter here. */
async function manyUsers(n: number): Promise<LogMember[]> {
  const users = Array.from({ length: n }, (_, i) => ({
    id: randomBytes(16).toString('base64url'),
    username: `bulk_${i}`,
    display_name: `Bulk ${i}`,
    identity_key: key32(),
    password_hash: 'unused',
    created_at: Date.now(),
  }));
  for (const batch of chunks(users, 100)) await s.db.insertInto('users').values(batch).execute();
  return users.map((x) => ({ user: x.id, identityKey: x.identity_key, role: 'member' }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

describe('a 1,000-member group', () => {
  it('is created in one request, refuses member 1,001, and adds or removes one member cheaply', async () => {
    const rounds = 10;
    const people = await manyUsers(MAX_GROUP_MEMBERS - 1 + rounds + 1);
    const log = new ClientLog(newGroupId());
    const initial = people.slice(0, MAX_GROUP_MEMBERS - 1);
    const spare = people.slice(MAX_GROUP_MEMBERS - 1);

    const createEntry = log.sign(owner, createChange(owner, initial));
    const createBody = JSON.stringify({ name: 'Cộng đồng', entry: createEntry });
    let t = performance.now();
    const created = await call(s.app, 'POST', '/api/groups', { token: owner.token, body: createBody });
    const createMs = performance.now() - t;
    expect(created.status, await created.clone().text()).toBe(201);
    log.accept(createEntry);
    expect(Buffer.byteLength(createBody)).toBeLessThan(MAX_CREATE_GROUP_BYTES);

    const over = spare[0] as LogMember;
    const refused = await call(s.app, 'POST', `/api/groups/${log.conv}/members`, { token: owner.token, body: { entry: log.sign(owner, { op: 'add', member: over }) } });
    expect(refused.status).toBe(403);
    expect(await errorCode(refused)).toBe('FORBIDDEN');

    const add: { ms: number; bytes: number }[] = [];
    const remove: { ms: number; bytes: number }[] = [];
    for (let i = 0; i < rounds; i++) {
      // remove one of the thousand (a new epoch for the 999 left), then add a newcomer back to 1,000
      const leaving = initial[i] as LogMember;
      const removeBody = JSON.stringify({ entry: log.sign(owner, { op: 'remove', user: leaving.user, epoch: log.epoch + 1 }) });
      t = performance.now();
      const r = await call(s.app, 'DELETE', `/api/groups/${log.conv}/members/${leaving.user}`, { token: owner.token, body: removeBody });
      remove.push({ ms: performance.now() - t, bytes: Buffer.byteLength(removeBody) });
      expect(r.status).toBe(200);
      log.accept(JSON.parse(removeBody).entry);

      const joining = spare[i + 1] as LogMember;
      const addBody = JSON.stringify({ entry: log.sign(owner, { op: 'add', member: joining }) });
      t = performance.now();
      const a = await call(s.app, 'POST', `/api/groups/${log.conv}/members`, { token: owner.token, body: addBody });
      add.push({ ms: performance.now() - t, bytes: Buffer.byteLength(addBody) });
      expect(a.status).toBe(201);
      log.accept(JSON.parse(addBody).entry);
    }
    const state = await expectRowsMatchLog(s, log.conv);
    expect(state?.members.size).toBe(MAX_GROUP_MEMBERS);
    expect(state?.members.has(asMember(owner).user)).toBe(true);

    t = performance.now();
    const served = await call(s.app, 'GET', `/api/conversations/${log.conv}/log`, { token: owner.token });
    const logText = await served.text();
    const readMs = performance.now() - t;

    const fmt = (xs: { ms: number }[]) => `median ${median(xs.map((x) => x.ms)).toFixed(1)} ms, max ${Math.max(...xs.map((x) => x.ms)).toFixed(1)} ms`;
    console.log(
      [
        `[groups scale, ${testEngine()}] 1,000-member group:`,
        `  create: ${createMs.toFixed(1)} ms, request ${Buffer.byteLength(createBody)} bytes`,
        `  add the 1,000th member: ${fmt(add)}, request ${add[0]?.bytes} bytes`,
        `  remove one of 1,000 (new epoch): ${fmt(remove)}, request ${remove[0]?.bytes} bytes`,
        `  read the whole log (${state?.length} entries): ${readMs.toFixed(1)} ms, response ${Buffer.byteLength(logText)} bytes`,
      ].join('\n'),
    );
  });
});
