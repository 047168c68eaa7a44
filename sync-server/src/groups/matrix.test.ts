// Who may do what, cell by cell: every groups and membership-log endpoint, plus the key routes and
// the relay's directory, for each kind of caller. Each cell runs against a fresh group.
import { randomBytes } from 'node:crypto';
import type { MembershipOp } from '@mekong/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, setupServices, type TestServices } from '../test-helpers';
import { asMember, ClientLog, createGroupVia, expectRowsMatchLog, newGroupId, registerSigner, type Signer, snapshot } from './test-support';

type Actor = 'anonymous' | 'stranger' | 'member' | 'admin' | 'owner' | 'removed';
const ACTORS: Actor[] = ['anonymous', 'stranger', 'member', 'admin', 'owner', 'removed'];

let s: TestServices;
const u = {} as Record<'owner' | 'admin' | 'member' | 'member2' | 'removed' | 'stranger' | 'candidate', Signer>;
beforeAll(async () => {
  s = await setupServices();
  for (const name of ['owner', 'admin', 'member', 'member2', 'removed', 'stranger', 'candidate'] as const) u[name] = await registerSigner(s.app, `m_${name}`);
});
afterAll(() => s.db.destroy());

/** A group at epoch 2: owner, admin, member, member2, and `removed`, who was removed to start epoch 2. */
async function freshGroup(): Promise<ClientLog> {
  const log = new ClientLog(newGroupId());
  await createGroupVia(s.app, u.owner, log, [asMember(u.admin, 'admin'), asMember(u.member), asMember(u.member2), asMember(u.removed)]);
  const entry = log.sign(u.owner, { op: 'remove', user: u.removed.userId, epoch: 2 });
  const res = await call(s.app, 'DELETE', `/api/groups/${log.conv}/members/${u.removed.userId}`, { token: u.owner.token, body: { entry } });
  if (res.status !== 200) throw new Error(await res.text());
  log.accept(entry);
  return log;
}

const signerOf = (actor: Actor): Signer => (actor === 'anonymous' ? u.stranger : u[actor]);
const tokenOf = (actor: Actor): string | undefined => (actor === 'anonymous' ? undefined : u[actor].token);

type Request = (log: ClientLog, actor: Actor) => Promise<Response>;
const signedBody = (log: ClientLog, actor: Actor, op: MembershipOp) => ({ entry: log.sign(signerOf(actor), op) });
const send = (method: string, path: (log: ClientLog, actor: Actor) => string, body?: (log: ClientLog, actor: Actor) => unknown): Request => (log, actor) =>
  call(s.app, method, path(log, actor), { token: tokenOf(actor), body: body?.(log, actor) });

/** Success is a status; refusal is the error code (its status follows from the code). */
type Expect = number | string;
const ENDPOINTS: [string, Request, Record<Actor, Expect>][] = [
  ['GET /api/groups/:id', send('GET', (l) => `/api/groups/${l.conv}`), { anonymous: 'UNAUTHENTICATED', stranger: 'NOT_MEMBER', member: 200, admin: 200, owner: 200, removed: 'NOT_MEMBER' }],
  ['PUT /api/groups/:id', send('PUT', (l) => `/api/groups/${l.conv}`, () => ({ name: 'renamed' })), { anonymous: 'UNAUTHENTICATED', stranger: 'NOT_MEMBER', member: 'FORBIDDEN', admin: 200, owner: 200, removed: 'NOT_MEMBER' }],
  ['DELETE /api/groups/:id', send('DELETE', (l) => `/api/groups/${l.conv}`), { anonymous: 'UNAUTHENTICATED', stranger: 'NOT_MEMBER', member: 'FORBIDDEN', admin: 'FORBIDDEN', owner: 204, removed: 'NOT_MEMBER' }],
  [
    'POST /api/groups/:id/members',
    send('POST', (l) => `/api/groups/${l.conv}/members`, (l, a) => signedBody(l, a, { op: 'add', member: asMember(u.candidate) })),
    { anonymous: 'UNAUTHENTICATED', stranger: 'NOT_MEMBER', member: 'FORBIDDEN', admin: 201, owner: 201, removed: 'NOT_MEMBER' },
  ],
  [
    'DELETE /api/groups/:id/members/:userId (remove)',
    send('DELETE', (l) => `/api/groups/${l.conv}/members/${u.member2.userId}`, (l, a) => signedBody(l, a, { op: 'remove', user: u.member2.userId, epoch: 3 })),
    { anonymous: 'UNAUTHENTICATED', stranger: 'NOT_MEMBER', member: 'FORBIDDEN', admin: 200, owner: 200, removed: 'NOT_MEMBER' },
  ],
  [
    'DELETE /api/groups/:id/members/:userId (leave)',
    send('DELETE', (l, a) => `/api/groups/${l.conv}/members/${signerOf(a).userId}`, (l, a) => signedBody(l, a, { op: 'leave', epoch: 3 })),
    { anonymous: 'UNAUTHENTICATED', stranger: 'NOT_MEMBER', member: 200, admin: 200, owner: 'FORBIDDEN', removed: 'NOT_MEMBER' },
  ],
  [
    'PUT /api/groups/:id/members/:userId/role',
    send('PUT', (l) => `/api/groups/${l.conv}/members/${u.member2.userId}/role`, (l, a) => signedBody(l, a, { op: 'role', user: u.member2.userId, role: 'admin' })),
    { anonymous: 'UNAUTHENTICATED', stranger: 'NOT_MEMBER', member: 'FORBIDDEN', admin: 'FORBIDDEN', owner: 200, removed: 'NOT_MEMBER' },
  ],
  [
    'POST /api/conversations/:id/log (rotate)',
    send('POST', (l) => `/api/conversations/${l.conv}/log`, (l, a) => signedBody(l, a, { op: 'rotate', epoch: 3 })),
    { anonymous: 'UNAUTHENTICATED', stranger: 'NOT_MEMBER', member: 201, admin: 201, owner: 201, removed: 'NOT_MEMBER' },
  ],
  ['GET /api/conversations/:id/log', send('GET', (l) => `/api/conversations/${l.conv}/log`), { anonymous: 'UNAUTHENTICATED', stranger: 'NOT_MEMBER', member: 200, admin: 200, owner: 200, removed: 'NOT_MEMBER' }],
  ['GET /api/conversations/:id', send('GET', (l) => `/api/conversations/${l.conv}`), { anonymous: 'UNAUTHENTICATED', stranger: 'NOT_MEMBER', member: 200, admin: 200, owner: 200, removed: 'NOT_MEMBER' }],
  [
    'POST /api/conversations/:id/keys',
    send('POST', (l) => `/api/conversations/${l.conv}/keys`, () => ({ envelopes: [{ epoch: 2, recipientDevice: u.member2.deviceId, data: randomBytes(80).toString('base64url') }] })),
    { anonymous: 'UNAUTHENTICATED', stranger: 'NOT_MEMBER', member: 204, admin: 204, owner: 204, removed: 'NOT_MEMBER' },
  ],
  ['GET /api/conversations/:id/keys', send('GET', (l) => `/api/conversations/${l.conv}/keys`), { anonymous: 'UNAUTHENTICATED', stranger: 'NOT_MEMBER', member: 200, admin: 200, owner: 200, removed: 'NOT_MEMBER' }],
];

const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, NOT_MEMBER: 403, FORBIDDEN: 403 };

describe('authorization matrix', () => {
  for (const [endpoint, request, expected] of ENDPOINTS) {
    describe(endpoint, () => {
      for (const actor of ACTORS) {
        const want = expected[actor];
        it(`${actor}: ${want}`, async () => {
          const log = await freshGroup();
          const before = await snapshot(s, log.conv);
          const res = await request(log, actor);
          if (typeof want === 'number') {
            expect(res.status, await res.clone().text()).toBe(want);
          } else {
            const body = (await res.json()) as { error?: { code?: string } };
            expect([res.status, body.error?.code]).toEqual([STATUS[want], want]);
            expect(await snapshot(s, log.conv)).toEqual(before);
          }
          await expectRowsMatchLog(s, log.conv);
        });
      }
    });
  }

  it("the relay's directory: members, admins and the owner are in; strangers and the removed are out", async () => {
    const log = await freshGroup();
    const seen = Object.fromEntries(await Promise.all(ACTORS.map(async (a) => [a, await s.directory.isMember(log.conv, a === 'anonymous' ? '' : u[a].userId)])));
    expect(seen).toEqual({ anonymous: false, stranger: false, member: true, admin: true, owner: true, removed: false });
    expect(await s.directory.membersOf(log.conv)).toEqual([u.owner, u.admin, u.member, u.member2].map((x) => x.userId).sort());
  });
});
