// The message index: entries stored unchecked rebuild exactly the message their author signed, and
// the batched look-up of existing entries finds every one of them, at the edges of its span too.
import type { Message } from '@mekong/schema';
import { describe, expect, it } from 'vitest';
import { K } from '../local/keys';
import { createMemoryStorage } from '../storage';
import { checkedEntry, entryFromMessage, type MessageEntry, putEntryOp, readEntriesAt, signedMessageOf } from './entries';

const base: Message = { id: 'm1', author: { user: 'lan', device: 'lan-dev' }, kind: 'text', body: 'chào', sentAt: 1_000, sig: 'c2ln' };

describe('message index entries', () => {
  it('an unchecked entry rebuilds the signed message, media, forward and recall included', () => {
    const variants: Message[] = [
      base,
      { ...base, editedAt: 1_500, replyTo: 'm0' },
      { ...base, kind: 'image', media: { blobId: 'b1', key: 'a2V5', mime: 'image/png', size: 10 }, forwardedFrom: { messageId: 'x', author: 'minh' } },
      { ...base, body: '', recalledAt: 2_000 },
      // a recall that kept its body (no honest client writes it): the signature still covers the body
      { ...base, body: 'còn chữ', recalledAt: 2_000 },
    ];
    for (const m of variants) {
      const e = entryFromMessage(m, 'sent', {}, false);
      expect(e.unchecked?.sig).toBe(m.sig);
      expect(signedMessageOf(e)).toEqual(m);
      const shown = checkedEntry(e, m, {});
      expect(shown.unchecked).toBeUndefined();
      expect(shown).toEqual(entryFromMessage(m, 'sent'));
    }
  });

  it('an unchecked part that disagrees with its entry rebuilds nothing', () => {
    const e = entryFromMessage(base, 'sent', {}, false);
    expect(signedMessageOf({ ...e, recalled: true })).toBeUndefined();
    expect(signedMessageOf({ ...e, unchecked: { ...e.unchecked!, body: 'khác' } })).toBeUndefined();
    expect(signedMessageOf(entryFromMessage(base, 'sent'))).toBeUndefined();
  });

  it('finds existing entries among many keys, including the first and last of the span and ids with dots', async () => {
    const storage = createMemoryStorage();
    const conv = 'c.1';
    const at = (sentAt: number, id: string): MessageEntry => entryFromMessage({ ...base, id, sentAt }, 'sent');
    const stored = [at(100, 'a'), at(100, 'b.c'), at(150, 'mid'), at(200, 'z.z')];
    const outside = [at(99, 'before'), at(201, 'after')];
    await storage.batch([...stored, ...outside].map((e) => putEntryOp(conv, e)));
    const wanted = [...stored.map((e) => K.msg(conv, e.sentAt, e.id)), ...Array.from({ length: 30 }, (_, i) => K.msg(conv, 120 + i, `new${i}`))];
    const found = await readEntriesAt(storage, conv, wanted);
    expect([...found.keys()].sort()).toEqual(stored.map((e) => K.msg(conv, e.sentAt, e.id)).sort());
    expect(found.get(K.msg(conv, 100, 'b.c'))?.id).toBe('b.c');
  });
});
