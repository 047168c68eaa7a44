// Pins carry the signature of a device of the user who pinned, and count only while that user may
// pin: a plain member can neither pin in an admin's name nor unpin by deleting or replaying values.
import { ErrorCode } from '@mekong/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../storage';
import { provisionalMembers } from '../membership/tracker';
import type { AuthorCheck } from './author-check';
import { PinBoard } from './pins';
import { pinAs, prepareParties, rawDelete, setup, type User, USERS } from './test-support';

beforeAll(prepareParties);

describe('signed pins', () => {
  it('a pin made through the API shows for every member, and an unpin removes it everywhere', async () => {
    const t = await setup({ admins: ['alice'] });
    const sent = await t.p('bob').replica.sendText('lịch họp thứ hai');
    await t.idle();
    await t.p('alice').replica.pin(sent.id, true);
    await t.idle();
    const value = (await t.p('bob').replica.ensureDoc()).unverifiedPins().get(sent.id);
    expect(value).toMatchObject({ by: 'alice', device: 'alice-dev', pinned: true });
    for (const u of USERS) expect(await t.p(u).replica.pinned()).toEqual([sent.id]);
    expect((await t.p('mallory').replica.pinnedEntries()).map((e) => e.text)).toEqual(['lịch họp thứ hai']);
    await t.p('alice').replica.pin(sent.id, false);
    await t.idle();
    // an unpin is a signed value, not a deleted key
    expect((await t.p('bob').replica.ensureDoc()).unverifiedPins().get(sent.id)).toMatchObject({ by: 'alice', pinned: false });
    for (const u of USERS) expect(await t.p(u).replica.pinned()).toEqual([]);
    await expect(t.p('bob').replica.pin(sent.id, true)).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
    for (const u of USERS) expect(t.p(u).problems).toEqual([]);
  });

  it('a pin forged by a plain member in the owner’s name is not shown, and is reported once', async () => {
    const t = await setup({ owner: 'alice' });
    const a = await t.p('alice').replica.sendText('một');
    const b = await t.p('alice').replica.sendText('hai');
    await t.idle();
    await t.p('alice').replica.pin(a.id, true);
    await t.idle();
    const alices = (await t.p('mallory').replica.ensureDoc()).unverifiedPins().get(a.id)!;
    const mallory = t.p('mallory').device;
    const forgeries = [
      // the shape of a pin from before pins were signed
      { by: 'alice', at: alices.at + 1 },
      // alice's real signature, copied onto another message
      alices,
      // signed by mallory's device in alice's name
      pinAs(mallory, b.id, { by: 'alice', device: 'mallory-dev', pinned: true, at: alices.at + 2 }),
    ];
    for (const f of forgeries) {
      await t.write('mallory', (doc) => doc.setPin(b.id, f as typeof alices));
      expect(await t.p('bob').replica.pinned()).toEqual([a.id]);
    }
    expect(t.p('bob').problems.map((e) => e.code)).toEqual([ErrorCode.BAD_SIGNATURE, ErrorCode.BAD_SIGNATURE]);
    // reading the pins again neither verifies the forged value again nor reports it again
    const lookups = t.lookups.count;
    for (let i = 0; i < 5; i++) expect(await t.p('bob').replica.pinned()).toEqual([a.id]);
    expect(t.lookups.count).toBe(lookups);
    expect(t.p('bob').problems).toHaveLength(2);
  });

  it('a plain member’s own signed pins and unpins count for nothing', async () => {
    const t = await setup({ admins: ['alice'] });
    const a = await t.p('alice').replica.sendText('một');
    const b = await t.p('alice').replica.sendText('hai');
    await t.idle();
    await t.p('alice').replica.pin(a.id, true);
    await t.idle();
    const at = (await t.p('mallory').replica.ensureDoc()).unverifiedPins().get(a.id)!.at;
    const mallory = t.p('mallory').device;
    await t.write('mallory', (doc) => doc.setPin(b.id, pinAs(mallory, b.id, { by: 'mallory', device: 'mallory-dev', pinned: true, at: at + 1 })));
    await t.write('mallory', (doc) => doc.setPin(a.id, pinAs(mallory, a.id, { by: 'mallory', device: 'mallory-dev', pinned: false, at: at + 2 })));
    expect(await t.p('bob').replica.pinned()).toEqual([a.id]);
    expect(t.p('bob').problems).toEqual([]);
  });

  it('deleting a pin, or writing back an older pin, changes nothing for a device that saw it', async () => {
    const t = await setup({ admins: ['alice'] });
    const a = await t.p('alice').replica.sendText('một');
    const b = await t.p('alice').replica.sendText('hai');
    await t.idle();
    await t.p('alice').replica.pin(a.id, true);
    await t.p('alice').replica.pin(b.id, true);
    await t.idle();
    const pinnedB = (await t.p('mallory').replica.ensureDoc()).unverifiedPins().get(b.id)!;
    await t.p('alice').replica.pin(b.id, false);
    await t.idle();
    // a forged unpin: the key deleted (bob has not read the pins since it arrived)
    await t.write('mallory', (doc) => rawDelete(doc, 'pins', a.id));
    expect((await t.p('bob').replica.ensureDoc()).unverifiedPins().has(a.id)).toBe(false);
    // a replay: alice's pin of b, undone since, written back
    await t.write('mallory', (doc) => doc.setPin(b.id, pinnedB));
    for (const u of ['bob', 'alice'] as const) expect(await t.p(u).replica.pinned()).toEqual([a.id]);
    await t.reopen('bob');
    expect(await t.p('bob').replica.pinned()).toEqual([a.id]);
    expect(t.p('bob').problems).toEqual([]);
    // alice still unpins it with a signed value of her own
    await t.p('alice').replica.pin(a.id, false);
    await t.idle();
    expect(await t.p('bob').replica.pinned()).toEqual([]);
  });

  it('a pin counts only while its author may pin: a demoted admin’s pins are hidden, and come back on promotion', async () => {
    const admins: User[] = ['alice', 'bob'];
    const t = await setup({ admins });
    const sent = await t.p('mallory').replica.sendText('quy định nhóm');
    await t.idle();
    await t.p('bob').replica.pin(sent.id, true);
    await t.idle();
    expect(await t.p('alice').replica.pinned()).toEqual([sent.id]);
    admins.pop();
    expect(await t.p('alice').replica.pinned()).toEqual([]);
    admins.push('bob');
    expect(await t.p('alice').replica.pinned()).toEqual([sent.id]);
  });

  it('both people of a 1-1 conversation may pin', () => {
    const board = new PinBoard({ conv: 'c', storage: createMemoryStorage(), check: {} as AuthorCheck, members: () => provisionalMembers(['lan', 'minh']) });
    expect(board.mayPin('lan')).toBe(true);
    expect(board.mayPin('minh')).toBe(true);
    expect(board.mayPin('tuan')).toBe(false);
  });
});
