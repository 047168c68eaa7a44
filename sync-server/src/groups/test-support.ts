// Test support for groups: users with real Ed25519 device keys, and a client-side log that signs
// entries and verifies the log the way clients do (independently of the server's code), so the
// tests speak the protocol as a client would. Imported by *.test.ts files only.
import { randomBytes } from 'node:crypto';
import {
  applyEntry,
  canonicalEntry,
  type LogCrypto,
  type LogMember,
  type MembershipEntry,
  type MembershipOp,
  type MembershipState,
  replayLog,
  type Role,
} from '@mekong/schema';
import type { Hono } from 'hono';
import sodium from 'libsodium-wrappers-sumo';
import { expect } from 'vitest';
import { call, json, type Registered, registerBody, type TestServices } from '../test-helpers';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const context = (text: string) => new Uint8Array([...new TextEncoder().encode(text), 0]);
const SIGN_CONTEXT = context('mekong/v1/membership-entry');
const HASH_CONTEXT = context('mekong/v1/membership-hash');
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Device signing keys of every signer registered in this process, as clients would learn them from certificates. */
const deviceKeys = new Map<string, Uint8Array>();

/** What a client checks: the signature under the author device's key, and the chain hash. */
export const clientCrypto: LogCrypto = {
  verifyEntry(entry) {
    const key = deviceKeys.get(entry.by.device);
    const { sig, ...unsigned } = entry;
    if (!key || !sodium.crypto_sign_verify_detached(Buffer.from(sig, 'base64url'), concat(SIGN_CONTEXT, canonicalEntry(unsigned)), key)) {
      throw new Error(`entry ${entry.index} is not signed by ${entry.by.device}`);
    }
  },
  hashEntry(entry) {
    const { sig, ...unsigned } = entry;
    return b64(sodium.crypto_generichash(32, concat(HASH_CONTEXT, canonicalEntry(unsigned), Buffer.from(sig, 'base64url')), null));
  },
};

export interface Signer {
  reg: Registered;
  userId: string;
  deviceId: string;
  token: string;
  identityKey: string;
  deviceCert: string;
  signSecret: Uint8Array;
}

/** Registers `username` with a real identity key and a device whose signing key signs log entries. */
export async function registerSigner(app: Hono, username: string): Promise<Signer> {
  await sodium.ready;
  const identity = sodium.crypto_sign_keypair();
  const device = sodium.crypto_sign_keypair();
  const body = registerBody(username);
  body.identityKey = b64(identity.publicKey);
  body.device.signKey = b64(device.publicKey);
  const res = await call(app, 'POST', '/api/users/register', { body });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
  const reg = { ...(await json<Registered>(res)), loginSecret: body.loginSecret, backup: body.backup };
  if (!reg.deviceId) throw new Error('registered without a device');
  deviceKeys.set(reg.deviceId, device.publicKey);
  return {
    reg,
    userId: reg.user.id,
    deviceId: reg.deviceId,
    token: reg.accessToken,
    identityKey: body.identityKey,
    deviceCert: body.device.certificate,
    signSecret: device.privateKey,
  };
}

export const asMember = (s: Signer, role: Role = 'member'): LogMember => ({ user: s.userId, identityKey: s.identityKey, role });

/** A fresh random group id, as a client picks it. */
export const newGroupId = () => `g_${randomBytes(12).toString('base64url')}`;

/** A client's copy of one conversation's log: signs on top of what it verified. */
export class ClientLog {
  state: MembershipState | null = null;
  entries: MembershipEntry[] = [];
  constructor(readonly conv: string) {}

  /** Signs `change` as `by` on top of `base` (the current verified state by default), without applying it. */
  sign(by: Signer, change: MembershipOp, base: MembershipState | null = this.state, conv = this.conv): MembershipEntry {
    const unsigned = { conv, index: base ? base.length : 0, prev: base ? base.head : '', change, by: { user: by.userId, device: by.deviceId }, deviceCert: by.deviceCert, at: Date.now() };
    return { ...unsigned, sig: b64(sodium.crypto_sign_detached(concat(SIGN_CONTEXT, canonicalEntry(unsigned)), by.signSecret)) };
  }

  /** Verifies and applies an entry the server accepted. */
  accept(entry: MembershipEntry): void {
    this.state = applyEntry(this.state, entry, clientCrypto, this.conv);
    this.entries.push(entry);
  }

  get epoch(): number {
    return this.state?.epoch ?? 0;
  }
}

/** The create entry of a group owned by `owner` with the given other members. */
export function createChange(owner: Signer, others: LogMember[] = []): MembershipOp {
  return { op: 'create', kind: 'group', members: [asMember(owner, 'owner'), ...others], epoch: 1 };
}

/** POST /api/groups; on 201 the client log accepts the entry. */
export async function createGroupVia(app: Hono, owner: Signer, log: ClientLog, others: LogMember[] = [], extra: Record<string, unknown> = {}): Promise<Response> {
  const entry = log.sign(owner, createChange(owner, others));
  const res = await call(app, 'POST', '/api/groups', { token: owner.token, body: { name: 'Nhóm bạn', ...extra, entry } });
  if (res.status === 201) log.accept(entry);
  return res;
}

/** Sends one membership change through the route made for it; on success the client log accepts it. */
export async function change(app: Hono, log: ClientLog, by: Signer, op: MembershipOp, opts: { token?: string; entry?: MembershipEntry } = {}): Promise<Response> {
  const entry = opts.entry ?? log.sign(by, op);
  const token = opts.token ?? by.token;
  const base = `/api/groups/${log.conv}/members`;
  let res: Response;
  if (op.op === 'add') res = await call(app, 'POST', base, { token, body: { entry } });
  else if (op.op === 'remove') res = await call(app, 'DELETE', `${base}/${op.user}`, { token, body: { entry } });
  else if (op.op === 'leave') res = await call(app, 'DELETE', `${base}/${by.userId}`, { token, body: { entry } });
  else if (op.op === 'role') res = await call(app, 'PUT', `${base}/${op.user}/role`, { token, body: { entry } });
  else res = await call(app, 'POST', `/api/conversations/${log.conv}/log`, { token, body: { entry } });
  if (res.status < 300) log.accept(entry);
  return res;
}

/** A snapshot of everything a membership change may touch, to show that a refused one changed nothing. */
export async function snapshot(s: TestServices, conv: string) {
  const [members, log, head, epochs, group] = await Promise.all([
    s.db.selectFrom('conversation_members').select(['user_id', 'role']).where('conversation_id', '=', conv).orderBy('user_id').execute(),
    s.db.selectFrom('membership_log').select(['idx', 'hash']).where('conversation_id', '=', conv).orderBy('idx').execute(),
    s.db.selectFrom('membership_heads').selectAll().where('conversation_id', '=', conv).executeTakeFirst(),
    s.db.selectFrom('membership_epochs').select(['epoch', 'user_id']).where('conversation_id', '=', conv).orderBy('epoch').orderBy('user_id').execute(),
    s.db.selectFrom('groups').selectAll().where('id', '=', conv).executeTakeFirst(),
  ]);
  return { members, log, head, epochs, group };
}

/**
 * The invariant of the design: the member rows the relay checks are exactly the members (and
 * roles) a client derives by verifying the stored log from its first entry, and the server's head
 * is the client's head.
 */
export async function expectRowsMatchLog(s: TestServices, conv: string): Promise<MembershipState | null> {
  const stored = await s.db.selectFrom('membership_log').select('entry').where('conversation_id', '=', conv).orderBy('idx').execute();
  const rows = await s.db.selectFrom('conversation_members').select(['user_id', 'role']).where('conversation_id', '=', conv).orderBy('user_id').execute();
  if (stored.length === 0) return null;
  const state = replayLog(
    stored.map((r) => JSON.parse(r.entry) as MembershipEntry),
    clientCrypto,
    conv,
  );
  const derived = [...state.members.values()].map((m) => ({ user_id: m.user, role: m.role })).sort((a, b) => (a.user_id < b.user_id ? -1 : 1));
  expect(rows).toEqual(derived);
  expect(await s.directory.membersOf(conv)).toEqual(derived.map((m) => m.user_id));
  const head = await s.db.selectFrom('membership_heads').select(['length', 'head', 'epoch']).where('conversation_id', '=', conv).executeTakeFirstOrThrow();
  expect(head).toEqual({ length: state.length, head: state.head, epoch: state.epoch });
  return state;
}
