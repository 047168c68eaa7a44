// The tracker across restarts: it keeps the state its verified entries lead to, so a restart
// verifies only entries that state does not cover, and anything it cannot vouch for is verified
// (or refused) as before.
import { ErrorCode, type MembershipEntry, type MembershipState } from '@mekong/schema';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cryptoReady, } from '../crypto';
import type { ApiClient } from '../http/api';
import type { DeviceSecrets } from '../keys/secrets';
import { fromBytes, toBytes } from '../local/json';
import { createMemoryStorage, type StoragePort } from '../storage';
import { logCrypto, signEntry } from './log';
import { MembershipTracker } from './tracker';
import { verifiedKey } from './verified';
import { member, person } from './test-people';

const CONV = 'group-1';
const noServer = {} as ApiClient;
const posted = async () => {};

const entryKey = (i: number) => `mlog/${CONV}/${String(i).padStart(8, '0')}`;

const plain = (s: MembershipState | undefined) =>
  s && {
    ...s,
    members: [...s.members.entries()],
    epochMembers: [...s.epochMembers.entries()].map(([e, u]) => [e, [...u].sort()]),
  };

let alice: DeviceSecrets;
let bob: DeviceSecrets;
let carol: DeviceSecrets;

beforeAll(async () => {
  await cryptoReady();
  [alice, bob, carol] = ['alice', 'bob', 'carol'].map(person) as [DeviceSecrets, DeviceSecrets, DeviceSecrets];
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A device that created a group, added Carol, then removed Bob (three verified entries). */
async function device(): Promise<{ storage: StoragePort; state: MembershipState }> {
  const storage = createMemoryStorage();
  const t = new MembershipTracker(noServer, storage, alice, () => 1000);
  await t.create(CONV, { op: 'create', kind: 'group', members: [member(alice, 'owner'), member(bob, 'admin')], epoch: 1 }, posted);
  await t.append(CONV, () => ({ op: 'add', member: member(carol, 'member') }), posted);
  const { state } = await t.append(CONV, (s) => ({ op: 'remove', user: bob.userId, epoch: s.epoch + 1 }), posted);
  return { storage, state };
}

describe('membership tracker across restarts', () => {
  it('restarts from the state it verified, without checking stored signatures again', async () => {
    const { storage, state } = await device();
    const verify = vi.spyOn(logCrypto, 'verifyEntry');
    const restarted = new MembershipTracker(noServer, storage, alice, () => 2000);
    const again = await restarted.get(CONV);
    expect(verify).not.toHaveBeenCalled();
    expect(plain(again)).toEqual(plain(state));
    expect([...again!.members.keys()].sort()).toEqual(['alice', 'carol']);
    expect(again!.epoch).toBe(2);
    expect([...(again!.epochMembers.get(2) ?? [])]).not.toContain('bob');
  });

  it('verifies a stored entry the state does not cover, and refuses one that does not verify', async () => {
    const { storage, state } = await device();
    const next = signEntry(alice, state, CONV, { op: 'rotate', epoch: 3 }, 3000);
    await storage.put(entryKey(3), toBytes(next));
    const verify = vi.spyOn(logCrypto, 'verifyEntry');
    const extended = await new MembershipTracker(noServer, storage, alice, () => 4000).get(CONV);
    expect(verify).toHaveBeenCalledTimes(1);
    expect(extended!.epoch).toBe(3);
    expect(extended!.length).toBe(4);
    // what it verified now counts as covered: the next restart checks nothing
    verify.mockClear();
    expect((await new MembershipTracker(noServer, storage, alice, () => 5000).get(CONV))!.epoch).toBe(3);
    expect(verify).not.toHaveBeenCalled();

    // a forged entry placed after the covered ones is refused, as a forged log always was
    const forged: MembershipEntry = { ...signEntry(bob, extended!, CONV, { op: 'add', member: member(bob, 'owner') }, 6000) };
    await storage.put(entryKey(4), toBytes(forged));
    await expect(new MembershipTracker(noServer, storage, alice, () => 7000).get(CONV)).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
  });

  it('verifies every stored entry on a device that kept no state, then keeps it', async () => {
    const { storage, state } = await device();
    await storage.delete(verifiedKey(CONV));
    const verify = vi.spyOn(logCrypto, 'verifyEntry');
    expect(plain(await new MembershipTracker(noServer, storage, alice, () => 2000).get(CONV))).toEqual(plain(state));
    expect(verify).toHaveBeenCalledTimes(3);
    expect(await storage.get(verifiedKey(CONV))).toBeDefined();

    // with no state kept, a tampered stored entry is caught
    await storage.delete(verifiedKey(CONV));
    const first = fromBytes<MembershipEntry>((await storage.get(entryKey(0)))!);
    await storage.put(entryKey(0), toBytes({ ...first, at: first.at + 1 }));
    await expect(new MembershipTracker(noServer, storage, alice, () => 3000).get(CONV)).rejects.toMatchObject({ code: ErrorCode.BAD_SIGNATURE });
  });

  it('ignores a kept state it cannot read or that names another conversation, and verifies instead', async () => {
    const { storage, state } = await device();
    const verify = vi.spyOn(logCrypto, 'verifyEntry');
    await storage.put(verifiedKey(CONV), new TextEncoder().encode('{not json'));
    expect(plain(await new MembershipTracker(noServer, storage, alice, () => 2000).get(CONV))).toEqual(plain(state));
    expect(verify).toHaveBeenCalledTimes(3);
    const other = fromBytes<Record<string, unknown>>((await storage.get(verifiedKey(CONV)))!);
    await storage.put(verifiedKey('group-2'), toBytes(other));
    expect(await new MembershipTracker(noServer, storage, alice, () => 2000).get('group-2')).toBeUndefined();
  });

  it('forgets the kept state with the log', async () => {
    const { storage } = await device();
    const t = new MembershipTracker(noServer, storage, alice, () => 2000);
    await t.forget(CONV);
    expect(await storage.get(verifiedKey(CONV))).toBeUndefined();
    expect(await new MembershipTracker(noServer, storage, alice, () => 3000).get(CONV)).toBeUndefined();
  });
});
