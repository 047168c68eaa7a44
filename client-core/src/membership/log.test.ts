import { ErrorCode, type MembershipEntry, type MembershipOp, type MembershipState, MekongError } from '@mekong/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { cryptoReady, toBase64url } from '../crypto';
import type { DeviceSecrets } from '../keys/secrets';
import { extendLog, signEntry, verifyLog } from './log';
import { member, person } from './test-people';

const CONV = 'group-1';


function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MekongError);
    return (err as MekongError).code;
  }
  return 'accepted';
}

let alice: DeviceSecrets;
let bob: DeviceSecrets;
let carol: DeviceSecrets;
let dave: DeviceSecrets;
let log: MembershipEntry[];
let state: MembershipState;

const next = (by: DeviceSecrets, change: MembershipOp, s: MembershipState | null = state, conv = CONV) => signEntry(by, s, conv, change, 1000);

beforeAll(async () => {
  await cryptoReady();
  [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map(person) as [DeviceSecrets, DeviceSecrets, DeviceSecrets, DeviceSecrets];
  const create = next(alice, { op: 'create', kind: 'group', members: [member(alice, 'owner'), member(bob, 'admin')], epoch: 1 }, null);
  state = verifyLog([create], CONV);
  const addCarol = next(bob, { op: 'add', member: member(carol, 'member') });
  state = extendLog(state, [addCarol], CONV);
  log = [create, addCarol];
});

describe('membership log', () => {
  it('derives members, roles and epochs from a verified log', () => {
    const s = verifyLog(log, CONV);
    expect([...s.members.keys()].sort()).toEqual(['alice', 'bob', 'carol']);
    expect(s.members.get('bob')?.role).toBe('admin');
    expect(s.epoch).toBe(1);
  });

  it('a removal starts a new epoch whose key holders exclude the removed member', () => {
    const remove = next(bob, { op: 'remove', user: 'carol', epoch: 2 });
    const s = extendLog(state, [remove], CONV);
    expect(s.members.has('carol')).toBe(false);
    expect(s.epoch).toBe(2);
    expect(s.epochMembers.get(2)?.has('carol')).toBe(false);
    expect(s.epochMembers.get(1)?.has('carol')).toBe(true);
    expect(code(() => extendLog(state, [next(bob, { op: 'remove', user: 'carol', epoch: 1 })], CONV))).toBe(ErrorCode.FORBIDDEN);
  });

  it('refuses a change signed by a member without the power to make it', () => {
    expect(code(() => extendLog(state, [next(carol, { op: 'add', member: member(dave, 'member') })], CONV))).toBe(ErrorCode.FORBIDDEN);
    expect(code(() => extendLog(state, [next(carol, { op: 'remove', user: 'bob', epoch: 2 })], CONV))).toBe(ErrorCode.FORBIDDEN);
    expect(code(() => extendLog(state, [next(bob, { op: 'role', user: 'carol', role: 'admin' })], CONV))).toBe(ErrorCode.FORBIDDEN);
  });

  it('refuses an outsider, even one the server presents as a device of a member', () => {
    expect(code(() => extendLog(state, [next(dave, { op: 'add', member: member(dave, 'member') })], CONV))).toBe(ErrorCode.FORBIDDEN);
    // the server mints a device for bob, certified by a key that is not bob's identity
    const fake = person('bob');
    expect(code(() => extendLog(state, [next(fake, { op: 'add', member: member(dave, 'member') })], CONV))).toBe(ErrorCode.BAD_CERTIFICATE);
  });

  it('refuses an entry replayed from another conversation, reordered, or cut out of the chain', () => {
    const other = next(bob, { op: 'add', member: member(dave, 'member') }, state, 'group-2');
    expect(code(() => extendLog(state, [other], CONV))).toBe(ErrorCode.FORBIDDEN);
    expect(code(() => extendLog(state, [{ ...other, conv: CONV }], CONV))).toBe(ErrorCode.BAD_SIGNATURE);
    expect(code(() => verifyLog([log[1]!], CONV))).toBe(ErrorCode.FORBIDDEN);
    const a = next(bob, { op: 'add', member: member(dave, 'member') });
    const s2 = extendLog(state, [a], CONV);
    const b = next(alice, { op: 'rotate', epoch: 2 }, s2);
    expect(code(() => extendLog(state, [b], CONV))).toBe(ErrorCode.FORBIDDEN);
  });

  it('detects any edit of a signed entry', () => {
    const add = next(bob, { op: 'add', member: member(dave, 'member') });
    // the server swaps in an identity key of its own for the new member
    const swapped = { ...add, change: { op: 'add' as const, member: { ...member(dave, 'member'), identityKey: toBase64url(person('x').identity.publicKey) } } };
    expect(code(() => extendLog(state, [swapped], CONV))).toBe(ErrorCode.BAD_SIGNATURE);
    // a promotion smuggled into an admin's add is refused by the rules before anything else
    const promoted = { ...add, change: { op: 'add' as const, member: member(dave, 'admin') } };
    expect(code(() => extendLog(state, [promoted], CONV))).toBe(ErrorCode.FORBIDDEN);
    const retimed = { ...add, at: 5 };
    expect(code(() => extendLog(state, [retimed], CONV))).toBe(ErrorCode.BAD_SIGNATURE);
  });

  it('hands over ownership: the old owner becomes an admin and may then leave', () => {
    const s = extendLog(state, [next(alice, { op: 'role', user: 'bob', role: 'owner' })], CONV);
    expect(s.members.get('bob')?.role).toBe('owner');
    expect(s.members.get('alice')?.role).toBe('admin');
    const left = extendLog(s, [next(alice, { op: 'leave', epoch: 2 }, s)], CONV);
    expect(left.members.has('alice')).toBe(false);
    expect(code(() => extendLog(state, [next(alice, { op: 'leave', epoch: 2 })], CONV))).toBe(ErrorCode.FORBIDDEN);
  });

  it('direct conversations have exactly two fixed members', () => {
    const direct = next(alice, { op: 'create', kind: 'direct', members: [member(alice, 'owner'), member(bob, 'member')], epoch: 1 }, null, 'd1');
    const s = verifyLog([direct], 'd1');
    expect(code(() => extendLog(s, [next(alice, { op: 'add', member: member(carol, 'member') }, s, 'd1')], 'd1'))).toBe(ErrorCode.FORBIDDEN);
    expect(code(() => verifyLog([next(alice, { op: 'create', kind: 'direct', members: [member(alice, 'owner')], epoch: 1 }, null, 'd2')], 'd2'))).toBe(ErrorCode.FORBIDDEN);
  });
});
