// Message actions through real replicas: sign, encrypt, log, decrypt, verify. A tiny in-memory
// relay assigns sequence numbers and fans out; a hostile member writes forged versions by hand.
import { ErrorCode } from '@mekong/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64url, sealEnvelope } from '../crypto';
import { CONV, prepareParties, setup, signAs, USERS, withoutSig } from './test-support';

beforeAll(prepareParties);

describe('message actions', () => {
  it('an edit replaces the text everywhere, re-signed by the author, and keeps its place', async () => {
    const { p, idle, shown } = await setup();
    const sent = await p('alice').replica.sendText('hẹn 6 giờ');
    await p('bob').replica.sendText('ok');
    const edited = await p('alice').replica.editText(sent.id, 'hẹn 7 giờ');
    await idle();
    expect(edited.editedAt).toBeGreaterThan(sent.sentAt);
    for (const u of USERS) {
      const list = await shown(u);
      expect(list.map((e) => e.text)).toEqual(['hẹn 7 giờ', 'ok']);
      expect(list[0]).toMatchObject({ id: sent.id, sentAt: sent.sentAt, editedAt: edited.editedAt, status: 'sent' });
      expect(p(u).problems).toEqual([]);
    }
    // the stored value verifies under the author's key: the signature covers the new text
    const doc = await p('bob').replica.ensureDoc();
    expect(doc.message(sent.id)?.body).toBe('hẹn 7 giờ');
  });

  it('only the author may edit or recall, and empty or recalled edits are refused', async () => {
    const { p, idle } = await setup();
    const sent = await p('alice').replica.sendText('mine');
    await idle();
    await expect(p('bob').replica.editText(sent.id, 'theirs')).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
    await expect(p('bob').replica.recall(sent.id)).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
    await expect(p('alice').replica.editText(sent.id, '   ')).rejects.toMatchObject({ code: ErrorCode.BAD_REQUEST });
    await expect(p('alice').replica.editText('no-such-id', 'x')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    await p('alice').replica.recall(sent.id);
    await expect(p('alice').replica.editText(sent.id, 'back')).rejects.toMatchObject({ code: ErrorCode.BAD_REQUEST });
  });

  it('a recall clears the body for everyone, leaves no text in the document, and is idempotent', async () => {
    const { p, idle, shown } = await setup();
    const sent = await p('alice').replica.sendText('secret-marker-77');
    await idle();
    await p('alice').replica.recall(sent.id);
    await p('alice').replica.recall(sent.id);
    await idle();
    for (const u of USERS) {
      const [e] = await shown(u);
      expect(e).toMatchObject({ id: sent.id, text: '', recalled: true });
      const state = new TextDecoder().decode((await p(u).replica.ensureDoc()).encodeState());
      expect(state).not.toContain('secret-marker-77');
    }
  });

  it('reactions are one per user, the latest wins, null removes, and every member shows them', async () => {
    const { p, idle, shown } = await setup();
    const sent = await p('alice').replica.sendText('tin vui');
    await idle();
    await p('bob').replica.react(sent.id, '👍');
    await p('bob').replica.react(sent.id, '❤️');
    await p('mallory').replica.react(sent.id, '😮');
    await p('alice').replica.react(sent.id, '😂');
    await p('alice').replica.react(sent.id, null);
    await idle();
    for (const u of USERS) {
      const [e] = await shown(u);
      expect(e?.reactions).toEqual({ bob: '❤️', mallory: '😮' });
    }
    await expect(p('bob').replica.react(sent.id, '')).rejects.toMatchObject({ code: ErrorCode.BAD_REQUEST });
    await expect(p('bob').replica.react(sent.id, 'x'.repeat(33))).rejects.toMatchObject({ code: ErrorCode.BAD_REQUEST });
    await expect(p('bob').replica.react('nope', '👍')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('an edit forged by another member is refused and reported; the author’s text stays', async () => {
    const { p, idle, shown, inject } = await setup();
    const sent = await p('alice').replica.sendText('thật');
    await idle();
    const doc = await p('mallory').replica.ensureDoc();
    const original = doc.message(sent.id)!;
    // 1) in alice's name, signed with mallory's key
    await inject('mallory', signAs(p('mallory').device, { ...withoutSig(original), body: 'giả 1', editedAt: original.sentAt + 5 }));
    // 2) in mallory's own name: a valid signature, but not the author
    await inject('mallory', signAs(p('mallory').device, { ...withoutSig(original), author: { user: 'mallory', device: 'mallory-dev' }, body: 'giả 2', editedAt: original.sentAt + 6 }));
    // 3) moved to another send time under mallory's name
    await inject('mallory', signAs(p('mallory').device, { ...withoutSig(original), author: { user: 'mallory', device: 'mallory-dev' }, body: 'giả 3', sentAt: original.sentAt + 1 }));
    for (const u of ['alice', 'bob'] as const) {
      const list = await shown(u);
      expect(list.map((e) => `${e.author.user}:${e.text}`)).toEqual(['alice:thật']);
      const codes = p(u).problems.map((e) => e.code);
      expect(codes).toEqual([ErrorCode.BAD_SIGNATURE, ErrorCode.FORBIDDEN, ErrorCode.FORBIDDEN]);
    }
    // the author still edits her message, and everyone shows her new version
    await p('alice').replica.editText(sent.id, 'thật, đã sửa');
    await idle();
    for (const u of ['alice', 'bob'] as const) {
      expect((await shown(u)).map((e) => `${e.author.user}:${e.text}`)).toEqual(['alice:thật, đã sửa']);
      expect(p(u).problems).toHaveLength(3);
    }
  });

  it('a recall forged by another member is refused, and a replayed pre-recall version does not bring the text back', async () => {
    const { p, idle, shown, inject } = await setup();
    const sent = await p('alice').replica.sendText('đã nói');
    await idle();
    const original = (await p('mallory').replica.ensureDoc()).message(sent.id)!;
    await inject('mallory', signAs(p('mallory').device, { ...withoutSig(original), body: '', recalledAt: original.sentAt + 1 }));
    expect((await shown('bob'))[0]).toMatchObject({ text: 'đã nói' });
    expect((await shown('bob'))[0]?.recalled).toBeUndefined();
    expect(p('bob').problems.map((e) => e.code)).toEqual([ErrorCode.BAD_SIGNATURE]);

    // the forgery does not stop the author: her recall is built from what her device shows
    await p('alice').replica.recall(sent.id);
    await idle();
    // the author's own earlier signed value, put back by someone else
    await inject('mallory', original);
    expect((await shown('bob'))[0]).toMatchObject({ text: '', recalled: true });
    expect(p('bob').problems.map((e) => e.code)).toEqual([ErrorCode.BAD_SIGNATURE, ErrorCode.FORBIDDEN]);
  });

  it('edits and reactions made offline stay in the outbox and reach the others once back online', async () => {
    const { p, idle, shown, offline } = await setup();
    const sent = await p('alice').replica.sendText('một');
    const other = await p('alice').replica.sendText('bỏ');
    await idle();
    offline.add('alice');
    await p('alice').replica.editText(sent.id, 'hai');
    await p('alice').replica.react(sent.id, '🎉');
    await p('alice').replica.recall(other.id);
    expect(await p('alice').replica.outboxSize()).toBe(3);
    expect((await shown('alice')).map((e) => e.text)).toEqual(['hai', '']);
    expect((await shown('bob')).map((e) => e.text)).toEqual(['một', 'bỏ']);
    offline.delete('alice');
    p('alice').replica.onOnline();
    await idle();
    await idle();
    expect(await p('alice').replica.outboxSize()).toBe(0);
    for (const u of USERS) {
      expect(await shown(u)).toMatchObject([
        { text: 'hai', reactions: { alice: '🎉' }, status: 'sent' },
        { text: '', recalled: true, status: 'sent' },
      ]);
    }
  });

  it('a snapshot sealed under an epoch not known yet is parked, then applied once the key arrives', async () => {
    const { p, idle, shown, offline, learn, later, log } = await setup();
    await p('alice').replica.sendText('trước');
    await idle();
    // alice writes more while cut off, then (after a rotation) her snapshot is what bob gets
    offline.add('alice');
    await p('alice').replica.sendText('trong ảnh chụp');
    const state = (await p('alice').replica.ensureDoc()).encodeState();
    log.push(new Uint8Array(0));
    const seq = log.length;
    const snap = sealEnvelope({ kind: 'snapshot', conv: CONV, epoch: 2, device: 'alice-dev', counter: seq }, state, later.get(2)!, p('alice').device.signSecretKey);
    p('bob').replica.onUpdate(seq, snap, 'snapshot');
    await idle();
    expect((await shown('bob')).map((e) => e.text)).toEqual(['trước']);
    expect(p('bob').problems.map((e) => e.code)).toEqual([ErrorCode.UNKNOWN_EPOCH]);
    learn(2);
    p('bob').replica.retry();
    await idle();
    expect((await shown('bob')).map((e) => e.text)).toEqual(['trước', 'trong ảnh chụp']);
    expect(p('bob').problems.map((e) => e.code)).toEqual([ErrorCode.UNKNOWN_EPOCH]);
  });

  it('an edit that arrives before an earlier update of its author waits quietly, then shows', async () => {
    const { p, idle, shown, offline, log } = await setup();
    const first = await p('alice').replica.sendText('một');
    await idle();
    offline.add('alice');
    await p('alice').replica.sendText('hai');
    await p('alice').replica.editText(first.id, 'một (sửa)');
    // the relay logged alice's two pushes the other way round
    const outbox = await p('alice').storage.range('out/');
    const [send, edit] = outbox.map(([, v]) => fromBase64url((JSON.parse(new TextDecoder().decode(v)) as { env: string }).env));
    log.push(edit!, send!);
    p('bob').replica.onUpdate(log.length - 1, edit!);
    await idle();
    expect((await shown('bob')).map((e) => e.text)).toEqual(['một']);
    p('bob').replica.onUpdate(log.length, send!);
    await idle();
    expect((await shown('bob')).map((e) => e.text)).toEqual(['một (sửa)', 'hai']);
    expect(p('bob').problems).toEqual([]);
  });

  it('a message whose author could not be looked up for a moment still shows once the directory answers', async () => {
    const { p, idle, shown, unreachable, reopen } = await setup();
    await p('alice').replica.sendText('trước');
    await idle();
    // bob opens the next update (one look-up), then the author check finds the directory unreachable
    unreachable.set('bob', { pass: 1, fail: 1 });
    await p('alice').replica.sendText('lúc mạng chập chờn');
    await idle();
    expect((await shown('bob')).map((e) => e.text)).toEqual(['trước']);
    // the directory answers again; the next update makes bob try the held one again
    await p('alice').replica.sendText('sau');
    await idle();
    expect((await shown('bob')).map((e) => e.text).sort()).toEqual(['lúc mạng chập chờn', 'sau', 'trước']);
    // the moment the directory was away is told to the app as what it was, nothing worse
    expect(p('bob').problems.map((e) => e.code)).toEqual([ErrorCode.UNAVAILABLE]);
    // and it is stored, not only held in memory: after a restart bob's device shows the same
    await reopen('bob');
    expect((await shown('bob')).map((e) => e.text).sort()).toEqual(['lúc mạng chập chờn', 'sau', 'trước']);
    const doc = await p('bob').replica.ensureDoc();
    expect(doc.allMessages().map((m) => m.body).sort()).toEqual(['lúc mạng chập chờn', 'sau', 'trước']);
  });
});
