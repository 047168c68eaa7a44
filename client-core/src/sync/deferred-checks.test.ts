// Messages applied in bulk (a snapshot, a catch-up) are indexed with their author signatures not yet
// checked; nothing shows one before its check, a forged one is never shown, and the outcome is kept.
import { ErrorCode, type Message } from '@mekong/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { sealEnvelope } from '../crypto';
import { CONV, epochKey, pinAs, prepareParties, setup, signAs, type User, withoutSig } from './test-support';

beforeAll(prepareParties);

type Parties = Awaited<ReturnType<typeof setup>>;

/**
 * `as` writes `extra` by hand and pushes it as one update (the others get it live), then uploads its
 * whole document as a snapshot standing for the log so far, and `to` gets that snapshot instead.
 */
async function snapshotTo(t: Parties, as: User, to: User, extra: Message[]): Promise<void> {
  const doc = await t.p(as).replica.ensureDoc();
  if (extra.length) {
    const update = Y.mergeUpdates(extra.map((m) => doc.putMessage(m)));
    const counter = 20_000 + t.log.length;
    const env = sealEnvelope({ kind: 'update', conv: CONV, epoch: 1, device: `${as}-dev`, counter }, update, epochKey, t.p(as).device.signSecretKey);
    t.deaf.add(to);
    t.p(as).replica.onAck(counter, t.fanOut(as, env));
    t.deaf.delete(to);
  }
  const seq = t.log.length;
  const env = sealEnvelope({ kind: 'snapshot', conv: CONV, epoch: 1, device: `${as}-dev`, counter: seq }, doc.encodeState(), epochKey, t.p(as).device.signSecretKey);
  t.p(to).replica.onUpdate(seq, env, 'snapshot');
  await t.idle();
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const line = (e: { author: { user: string }; text: string }) => `${e.author.user}:${e.text}`;

describe('author signatures of messages applied in bulk', () => {
  it('a snapshot by a malicious member with messages forged in another member’s name: they are never shown, dropped and reported', async () => {
    const t = await setup();
    const real = await t.p('alice').replica.sendText('thật');
    await t.idle();
    // bob reconnects: while he catches up, what arrives is applied in bulk and checked when shown
    t.p('bob').replica.onOnline();
    const announcedBefore = t.p('bob').announced.length;
    const at = real.sentAt;
    const mallory = t.p('mallory').device;
    const forged = [
      // in alice's name, signed with mallory's key
      signAs(mallory, { id: 'forged-1', author: { user: 'alice', device: 'alice-dev' }, kind: 'text', body: 'chuyển tiền cho mallory', sentAt: at + 10 }),
      // in alice's name on mallory's device: a valid signature, but alice does not own that device
      signAs(mallory, { id: 'forged-2', author: { user: 'alice', device: 'mallory-dev' }, kind: 'text', body: 'mật khẩu là 1234', sentAt: at + 11 }),
      // a signature over other words
      { ...signAs(t.p('alice').device, { id: 'forged-3', author: { user: 'alice', device: 'alice-dev' }, kind: 'text', body: 'ok', sentAt: at + 12 }), body: 'không ok' },
    ];
    const honest = signAs(mallory, { id: 'own-1', author: { user: 'mallory', device: 'mallory-dev' }, kind: 'text', body: 'tin của mallory', sentAt: at + 13 });
    await snapshotTo(t, 'mallory', 'bob', [...forged, honest]);

    // stored unchecked for now, and nothing announced to the app yet
    expect((await t.stored('bob')).filter((e) => e.unchecked).map((e) => e.id).sort()).toEqual(['forged-1', 'forged-2', 'forged-3', 'own-1']);
    expect(t.p('bob').announced.slice(announcedBefore)).toEqual([]);
    expect(t.p('bob').replica.uncheckedCount).toBe(4);

    // the page the app shows: checked first, the forgeries left out
    const page = await t.shown('bob');
    expect(page.map(line)).toEqual(['alice:thật', 'mallory:tin của mallory']);
    expect(page.every((e) => e.unchecked === undefined)).toBe(true);
    await t.idle();
    expect(t.p('bob').problems.map((e) => e.code)).toEqual([ErrorCode.BAD_SIGNATURE, ErrorCode.BAD_SIGNATURE, ErrorCode.BAD_SIGNATURE]);
    // the outcome is stored: the forgeries are gone from the index, the honest message checked
    expect((await t.stored('bob')).map((e) => `${line(e)}${e.unchecked ? ' (unchecked)' : ''}`)).toEqual(['alice:thật', 'mallory:tin của mallory']);
    expect(t.p('bob').replica.uncheckedCount).toBe(0);
    // reading again checks nothing again and reports nothing again
    const lookups = t.lookups.count;
    expect((await t.shown('bob')).map(line)).toEqual(['alice:thật', 'mallory:tin của mallory']);
    expect(t.lookups.count).toBe(lookups);
    expect(t.p('bob').problems).toHaveLength(3);
    // what reached the app through the replica's announcements: never a forgery
    expect(t.p('bob').announced.slice(announcedBefore).map((e) => e.id)).toEqual(['own-1']);
  });

  it('the rest is checked in the background once caught up, announced as checked, and not checked again after a restart', async () => {
    const t = await setup();
    const first = await t.p('alice').replica.sendText('một');
    await t.idle();
    t.p('bob').replica.onOnline();
    const announcedBefore = t.p('bob').announced.length;
    const alice = t.p('alice').device;
    const more = Array.from({ length: 300 }, (_, i) =>
      signAs(alice, { id: `m${String(i).padStart(3, '0')}`, author: { user: 'alice', device: 'alice-dev' }, kind: 'text', body: `tin ${i}`, sentAt: first.sentAt + 1 + i }),
    );
    const forged = signAs(t.p('mallory').device, { id: 'forged', author: { user: 'alice', device: 'alice-dev' }, kind: 'text', body: 'giả', sentAt: first.sentAt + 150 });
    await snapshotTo(t, 'alice', 'bob', [...more.slice(0, 150), forged, ...more.slice(150)]);
    expect(t.p('bob').replica.uncheckedCount).toBe(301);
    // nothing is checked in the background while catching up
    await new Promise((r) => setTimeout(r, 20));
    expect(t.p('bob').replica.uncheckedCount).toBe(301);

    // a restart before the end of the catch-up: the count and the unchecked entries are kept
    await t.reopen('bob');
    await until(() => t.p('bob').replica.uncheckedCount === 0, 'the background checks');
    await t.idle();
    const stored = await t.stored('bob');
    expect(stored).toHaveLength(301);
    expect(stored.some((e) => e.unchecked !== undefined || e.id === 'forged')).toBe(false);
    expect(t.p('bob').problems.map((e) => e.code)).toEqual([ErrorCode.BAD_SIGNATURE]);
    // newest first: the first batch announced holds the newest messages
    const announced = t.p('bob').announced.slice(announcedBefore);
    expect(announced[0]?.id).toBe('m299');
    expect(new Set(announced.map((e) => e.id)).size).toBe(300);
    expect(announced.some((e) => e.id === 'forged' || e.unchecked !== undefined)).toBe(false);

    // after another restart nothing is checked again
    const lookups = t.lookups.count;
    await t.reopen('bob');
    expect(t.p('bob').replica.uncheckedCount).toBe(0);
    expect((await t.shown('bob')).slice(-2).map(line)).toEqual(['alice:tin 298', 'alice:tin 299']);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.lookups.count).toBe(lookups);
  });

  it('a change to a message still unchecked settles it first: the author’s edit shows, a forged edit is refused', async () => {
    const t = await setup();
    await t.p('alice').replica.sendText('gốc');
    await t.idle();
    // bob's device is away while alice writes; it comes back and gets her snapshot
    t.deaf.add('bob');
    const late = await t.p('alice').replica.sendText('trước khi sửa');
    await t.idle();
    t.deaf.delete('bob');
    t.p('bob').replica.onOnline();
    await snapshotTo(t, 'alice', 'bob', []);
    expect((await t.stored('bob')).find((e) => e.id === late.id)?.unchecked).toBeDefined();
    const m1 = (await t.p('mallory').replica.ensureDoc()).message(late.id)!;
    // mallory rewrites it in her own name, then alice edits it: both arrive live
    await t.inject('mallory', signAs(t.p('mallory').device, { ...withoutSig(m1), author: { user: 'mallory', device: 'mallory-dev' }, body: 'của mallory', editedAt: m1.sentAt + 1 }));
    await t.p('alice').replica.editText(late.id, 'đã sửa');
    await t.idle();
    expect((await t.shown('bob')).map(line)).toEqual(['alice:gốc', 'alice:đã sửa']);
    expect(t.p('bob').problems.map((e) => e.code)).toEqual([ErrorCode.FORBIDDEN]);
    expect((await t.stored('bob')).every((e) => e.unchecked === undefined)).toBe(true);
    expect(t.p('bob').replica.uncheckedCount).toBe(0);
  });

  it('pinned messages and reactions go through the check too', async () => {
    const t = await setup({ admins: ['mallory'] });
    const sent = await t.p('alice').replica.sendText('đầu');
    await t.idle();
    t.p('bob').replica.onOnline();
    const mallory = t.p('mallory').device;
    const forged = signAs(mallory, { id: 'forged-pin', author: { user: 'alice', device: 'alice-dev' }, kind: 'text', body: 'giả', sentAt: sent.sentAt + 1 });
    const honest = signAs(mallory, { id: 'honest-pin', author: { user: 'mallory', device: 'mallory-dev' }, kind: 'text', body: 'ghim', sentAt: sent.sentAt + 2 });
    const doc = await t.p('mallory').replica.ensureDoc();
    doc.setPin('forged-pin', pinAs(mallory, 'forged-pin', { by: 'mallory', device: 'mallory-dev', pinned: true, at: 5 }));
    doc.setPin('honest-pin', pinAs(mallory, 'honest-pin', { by: 'mallory', device: 'mallory-dev', pinned: true, at: 4 }));
    await snapshotTo(t, 'mallory', 'bob', [forged, honest]);
    // both pins count (mallory is an admin), but only the message whose signature verifies is returned
    expect(await t.p('bob').replica.pinned()).toEqual(['forged-pin', 'honest-pin']);
    expect((await t.p('bob').replica.pinnedEntries()).map(line)).toEqual(['mallory:ghim']);
    expect(t.p('bob').problems.map((e) => e.code)).toEqual([ErrorCode.BAD_SIGNATURE]);
    // reacting to the forged message: it is no longer shown, so the reaction has no entry to show on
    expect(await t.p('bob').replica.react('forged-pin', '👍')).toBeUndefined();
    await t.idle();
    expect((await t.stored('bob')).map((e) => e.id)).toEqual([sent.id, 'honest-pin']);
    expect(t.p('bob').announced.some((e) => e.id === 'forged-pin')).toBe(false);
  });
});
