// Reactions carry the signature of a device of the user they name: what a member writes into the
// document in someone else's name is not shown, and neither a forged delete nor a replayed older
// value changes what a device that saw the reaction shows.
import { ErrorCode } from '@mekong/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { sealEnvelope } from '../crypto';
import { reactionKey } from '../doc/conversation-doc';
import { CONV, epochKey, prepareParties, rawDelete, reactionAs, setup, USERS } from './test-support';

beforeAll(prepareParties);

type Parties = Awaited<ReturnType<typeof setup>>;

/** The reactions a user's device shows on a message. */
const reactionsOn = async (t: Parties, u: (typeof USERS)[number], id: string) => (await t.shown(u)).find((e) => e.id === id)?.reactions;

describe('signed reactions', () => {
  it('a reaction made through the API is signed by the reacting device, shows for every member, and survives a restart', async () => {
    const t = await setup();
    const sent = await t.p('alice').replica.sendText('tin vui');
    await t.idle();
    await t.p('bob').replica.react(sent.id, '❤️');
    await t.idle();
    const value = (await t.p('alice').replica.ensureDoc()).unverifiedReactions(sent.id).get('bob');
    expect(value).toMatchObject({ emoji: '❤️', device: 'bob-dev' });
    expect(value?.sig).toHaveLength(86);
    for (const u of USERS) expect(await reactionsOn(t, u, sent.id)).toEqual({ bob: '❤️' });
    await t.reopen('alice');
    expect(await reactionsOn(t, 'alice', sent.id)).toEqual({ bob: '❤️' });
    for (const u of USERS) expect(t.p(u).problems).toEqual([]);
  });

  it('a reaction forged in another member’s name is not shown and is reported; the real one stays', async () => {
    const t = await setup();
    const first = await t.p('alice').replica.sendText('một');
    const second = await t.p('alice').replica.sendText('hai');
    await t.idle();
    await t.p('bob').replica.react(first.id, '👍');
    await t.idle();
    const bobs = (await t.p('mallory').replica.ensureDoc()).unverifiedReactions(first.id).get('bob')!;
    const mallory = t.p('mallory').device;
    const forgeries = [
      // no signature at all (the shape of a value from before reactions were signed): not even well-formed
      { on: second.id, value: { emoji: '😈', at: bobs.at + 1 }, reported: false },
      // a signature that is not one
      { on: first.id, value: { ...bobs, emoji: '😈', at: bobs.at + 1, sig: 'A'.repeat(86) }, reported: true },
      // bob's real signature, copied onto another message
      { on: second.id, value: bobs, reported: true },
      // bob's real signature, with another emoji
      { on: first.id, value: { ...bobs, emoji: '💩', at: bobs.at + 2 }, reported: true },
      // signed by mallory's device in bob's name: a valid signature by a device that is not bob's
      { on: first.id, value: reactionAs(mallory, 'mallory-dev', first.id, 'bob', '😈', bobs.at + 3), reported: true },
      // signed by mallory's key, claiming to be bob's device
      { on: second.id, value: reactionAs(mallory, 'bob-dev', second.id, 'bob', '😈', bobs.at + 4), reported: true },
    ];
    for (const f of forgeries) {
      await t.write('mallory', (doc) => doc.setReaction(f.on, 'bob', f.value as typeof bobs));
      for (const u of ['alice', 'bob'] as const) {
        expect(await reactionsOn(t, u, first.id)).toEqual({ bob: '👍' });
        expect(await reactionsOn(t, u, second.id)).toBeUndefined();
      }
    }
    const reported = forgeries.filter((f) => f.reported).length;
    expect(t.p('alice').problems.map((e) => e.code)).toEqual(Array(reported).fill(ErrorCode.BAD_SIGNATURE));
    expect(t.p('alice').problems[0]?.details).toMatchObject({ messageId: first.id, userId: 'bob' });
    // bob still changes his reaction, and everyone shows the change
    await t.p('bob').replica.react(first.id, '🎉');
    await t.idle();
    for (const u of USERS) expect(await reactionsOn(t, u, first.id)).toEqual({ bob: '🎉' });
  });

  it('deleting someone’s reaction key, or writing back an older value of theirs, changes nothing for a device that saw it', async () => {
    const t = await setup();
    const sent = await t.p('alice').replica.sendText('ảnh đẹp');
    await t.idle();
    await t.p('bob').replica.react(sent.id, '😮');
    await t.idle();
    const old = (await t.p('mallory').replica.ensureDoc()).unverifiedReactions(sent.id).get('bob')!;
    await t.p('bob').replica.react(sent.id, '👍');
    await t.p('alice').replica.react(sent.id, '❤️');
    await t.idle();
    // a forged removal: the key is deleted, not set to bob's signed removal
    await t.write('mallory', (doc) => rawDelete(doc, 'reactions', reactionKey(sent.id, 'bob')));
    expect((await t.p('alice').replica.ensureDoc()).unverifiedReactions(sent.id).has('bob')).toBe(false);
    expect(await reactionsOn(t, 'alice', sent.id)).toEqual({ alice: '❤️', bob: '👍' });
    // a replay: bob's own earlier signed value written back
    await t.write('mallory', (doc) => doc.setReaction(sent.id, 'bob', old));
    expect(await reactionsOn(t, 'alice', sent.id)).toEqual({ alice: '❤️', bob: '👍' });
    // a restart changes nothing: what was shown is kept with the message
    await t.reopen('alice');
    expect(await reactionsOn(t, 'alice', sent.id)).toEqual({ alice: '❤️', bob: '👍' });
    // neither is a bad signature: nothing reported
    expect(t.p('alice').problems).toEqual([]);
    // bob's own removal is a signed value and does remove it
    await t.p('bob').replica.react(sent.id, null);
    await t.idle();
    expect(await reactionsOn(t, 'alice', sent.id)).toEqual({ alice: '❤️' });
    // and his removed reaction written back again stays removed
    await t.write('mallory', (doc) => doc.setReaction(sent.id, 'bob', old));
    expect(await reactionsOn(t, 'alice', sent.id)).toEqual({ alice: '❤️' });
  });

  it('reactions in a snapshot are checked with their message before it shows: forged ones are left out', async () => {
    const t = await setup();
    t.deaf.add('bob');
    const sent = await t.p('alice').replica.sendText('trong ảnh chụp');
    await t.p('alice').replica.react(sent.id, '👍');
    await t.idle();
    const alices = (await t.p('mallory').replica.ensureDoc()).unverifiedReactions(sent.id).get('alice')!;
    await t.write('mallory', (doc) => doc.setReaction(sent.id, 'bob', { ...alices, emoji: '😈' }));
    t.deaf.delete('bob');
    // bob comes back and gets alice's snapshot (it holds mallory's forgery too)
    t.p('bob').replica.onOnline();
    const seq = t.log.length;
    const state = (await t.p('alice').replica.ensureDoc()).encodeState();
    const env = sealEnvelope({ kind: 'snapshot', conv: CONV, epoch: 1, device: 'alice-dev', counter: seq }, state, epochKey, t.p('alice').device.signSecretKey);
    t.p('bob').replica.onUpdate(seq, env, 'snapshot');
    await t.idle();
    expect((await t.stored('bob')).find((e) => e.id === sent.id)?.unchecked?.reactions).toBeDefined();
    expect(await reactionsOn(t, 'bob', sent.id)).toEqual({ alice: '👍' });
    expect(t.p('bob').problems.map((e) => e.code)).toEqual([ErrorCode.BAD_SIGNATURE]);
    await t.idle();
    const stored = (await t.stored('bob')).find((e) => e.id === sent.id);
    expect(stored?.unchecked).toBeUndefined();
    expect(stored?.reactions).toEqual({ alice: '👍' });
  });

  it('showing a conversation again verifies nothing again', async () => {
    const t = await setup();
    const sent = await t.p('alice').replica.sendText('nhiều người thả tim');
    await t.idle();
    for (const u of USERS) await t.p(u).replica.react(sent.id, '❤️');
    await t.idle();
    const before = t.lookups.count;
    for (let i = 0; i < 5; i++) expect(await reactionsOn(t, 'alice', sent.id)).toEqual({ alice: '❤️', bob: '❤️', mallory: '❤️' });
    expect(t.lookups.count).toBe(before);
    // another change on the message verifies only the value that changed: on alice's and on
    // mallory's device, one look-up for the envelope's sender and one for bob's new value
    await t.p('bob').replica.react(sent.id, '👍');
    await t.idle();
    expect(t.lookups.count - before).toBe(4);
  });
});
