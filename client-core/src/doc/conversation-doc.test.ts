import { ErrorCode, type Message, MAX_UPDATE_BYTES, MekongError } from '@mekong/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ConversationDoc } from './conversation-doc';

const msg = (i: number, over: Partial<Message> = {}): Message => ({
  id: `m${i}`,
  author: { user: 'u1', device: 'd1' },
  kind: 'text',
  body: `hello ${i}`,
  sentAt: 1_700_000_000_000 + i,
  sig: 'c2ln',
  ...over,
});

const SIG = 'A'.repeat(86);
const reaction = (emoji: string | null, at: number) => ({ emoji, at, device: 'd2', sig: SIG });
const pin = (pinned: boolean, at: number) => ({ by: 'u1', device: 'd1', pinned, at, sig: SIG });

function expectRejected(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MekongError);
    expect((err as MekongError).code).toBe(ErrorCode.UPDATE_REJECTED);
    return;
  }
  throw new Error('expected UPDATE_REJECTED');
}

describe('ConversationDoc', () => {
  it('replicates messages and read cursors between two documents', () => {
    const a = new ConversationDoc();
    const b = new ConversationDoc();
    const change = b.applyRemote(a.putMessage(msg(1)));
    expect(change.messages).toEqual(['m1']);
    b.applyRemote(a.setRead('u2', { messageId: 'm1', sentAt: msg(1).sentAt, at: 5 }));
    expect(b.message('m1')?.body).toBe('hello 1');
    expect(b.read('u2')?.messageId).toBe('m1');
    expect(b.encodeState()).toEqual(a.encodeState());
  });

  it('orders messages by send time then id and converges under concurrent writes', () => {
    const a = new ConversationDoc();
    const b = new ConversationDoc();
    const ua = [a.putMessage(msg(2)), a.putMessage(msg(3))];
    const ub = [b.putMessage(msg(1, { id: 'x1', author: { user: 'u2', device: 'd2' } }))];
    for (const u of ub) a.applyRemote(u);
    for (const u of ua.reverse()) b.applyRemote(u);
    expect(a.allMessages().map((m) => m.id)).toEqual(['x1', 'm2', 'm3']);
    expect(Y.encodeStateVector(a.doc)).toEqual(Y.encodeStateVector(b.doc));
    expect(b.allMessages()).toEqual(a.allMessages());
  });

  it('replicates reaction values per user and reports which messages they touched and what a message held before', () => {
    const a = new ConversationDoc();
    const b = new ConversationDoc();
    b.applyRemote(a.putMessage(msg(1)));
    const r = b.applyRemote(a.setReaction('m1', 'u2', reaction('👍', 1)));
    expect(r.reactions).toEqual(['m1']);
    b.applyRemote(a.setReaction('m1', 'u3', reaction('❤️', 2)));
    b.applyRemote(a.setReaction('m1', 'u2', reaction(null, 3)));
    const emojis = (d: ConversationDoc) => Object.fromEntries([...d.unverifiedReactions('m1')].map(([u, v]) => [u, v.emoji]));
    // a removal is a value of its own, not a deleted key
    expect(emojis(b)).toEqual({ u2: null, u3: '❤️' });
    const edit = b.applyRemote(a.putMessage(msg(1, { body: 'edited', editedAt: 5 })));
    expect(edit.messages).toEqual(['m1']);
    expect((edit.previous.get('m1') as Message).body).toBe('hello 1');
    const fresh = new ConversationDoc();
    fresh.applyRemote(b.encodeState(), 'snapshot');
    expect(emojis(fresh)).toEqual({ u2: null, u3: '❤️' });
    expect(fresh.encodeState()).toEqual(b.encodeState());
    // the document hands out its own objects: the same value keeps its identity until it changes
    expect(fresh.unverifiedReactions('m1').get('u3')).toBe(fresh.unverifiedReactions('m1').get('u3'));
  });

  it('leaves out reaction and pin values of the wrong shape (unsigned ones from before signatures too)', () => {
    const src = new Y.Doc();
    src.getMap('reactions').set('m1|u2', { emoji: '👍', at: 1 });
    src.getMap('reactions').set('m1|u3', reaction('😮', 2));
    src.getMap('pins').set('m1', { by: 'u1', at: 1 });
    src.getMap('pins').set('m2', pin(true, 2));
    const d = new ConversationDoc();
    const change = d.applyRemote(Y.encodeStateAsUpdate(src));
    expect(change.pins.sort()).toEqual(['m1', 'm2']);
    expect([...d.unverifiedReactions('m1').keys()]).toEqual(['u3']);
    expect([...d.unverifiedPins().keys()]).toEqual(['m2']);
    expect([...d.unverifiedPins(['m1', 'm2', 'm3']).keys()]).toEqual(['m2']);
  });

  it('a recalled message keeps no body in the encoded state', () => {
    const a = new ConversationDoc();
    a.putMessage(msg(1, { body: 'secret-marker-42' }));
    a.putMessage(msg(1, { body: '', recalledAt: 99 }));
    const state = new TextDecoder().decode(a.encodeState());
    expect(state).not.toContain('secret-marker-42');
  });

  it('rejects Yjs v2 updates, garbage and oversized updates without touching the document', () => {
    const src = new Y.Doc();
    src.getMap('messages').set('m1', { x: 1 });
    const v2 = Y.encodeStateAsUpdateV2(src);
    const d = new ConversationDoc();
    d.putMessage(msg(1));
    const before = d.encodeState();
    expectRejected(() => d.applyRemote(v2));
    expectRejected(() => d.applyRemote(new Uint8Array(MAX_UPDATE_BYTES + 1)));
    expectRejected(() => d.applyRemote(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3])));
    expect(d.encodeState()).toEqual(before);
  });

  it('random bytes are applied or rejected with a typed error, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const d = new ConversationDoc();
        try {
          d.applyRemote(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(MekongError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('ignores values that do not match the message model', () => {
    const src = new Y.Doc();
    src.getMap('messages').set('evil', { id: 'evil', body: 42 });
    const d = new ConversationDoc();
    d.applyRemote(Y.encodeStateAsUpdate(src));
    expect(d.message('evil')).toBeUndefined();
    expect(d.allMessages()).toEqual([]);
  });
});
