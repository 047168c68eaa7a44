// Index entries for what a remote change touched: which new versions of messages may be shown, and
// whether their author signatures are checked now or (applied in bulk) before they are shown; and
// the reactions they show (verified and moved on as reactions.ts says).
import { isMekongError, Message, MekongError, ErrorCode } from '@mekong/schema';
import type { ConversationDoc, RemoteChange } from '../doc/conversation-doc';
import { K } from '../local/keys';
import type { StoragePort } from '../storage';
import { type AuthorCheck, TRANSIENT } from './author-check';
import { entryFromMessage, type MessageEntry, readEntriesAt } from './entries';
import { sameReactions, settleReactions, withReactionState, withUncheckedReactions } from './reactions';

export interface ChangeContext {
  conv: string;
  storage: StoragePort;
  check: AuthorCheck;
  report(err: unknown): void;
  /** index entries written by earlier updates of the same batch and not stored yet (null: deleted) */
  written?: Map<string, MessageEntry | null>;
}

/** What to write to the index for one remote change. */
export interface ChangeEntries {
  /** entries to store; those with `unchecked` must not be shown yet */
  entries: MessageEntry[];
  /** index keys to delete: entries stored unchecked whose signature turned out bad */
  deleted: string[];
  /** change in the number of unchecked entries in the index */
  uncheckedDelta: number;
}

/**
 * Index entries for what a remote change touched. A message is shown only if its author's device
 * signed it, and a new version only if it comes from the same author, keeps what may not change,
 * and is not older than the version shown (a replayed pre-recall value stays refused). Refusals
 * are reported; the entry stays as it was.
 *
 * With `defer`, a message this device has never held (no index entry, no earlier value in the
 * document) is stored unchecked instead: nothing shows it until its signature is checked, and a
 * bad one is then dropped and reported just as here. Anything that replaces a version already
 * stored is checked now, because the succession rules compare it with the version shown.
 */
export async function entriesForChange(ctx: ChangeContext, doc: ConversationDoc, change: RemoteChange, defer: boolean): Promise<ChangeEntries> {
  const out = new Map<string, MessageEntry>();
  const deleted = new Set<string>();
  let uncheckedDelta = 0;
  const values = new Map<string, Message>();
  for (const id of new Set(change.messages)) {
    const m = doc.message(id);
    if (m) {
      values.set(id, m);
      continue;
    }
    // An absent value is normal for a moment: an edit whose new value waits for an earlier
    // update of its author has already deleted the old one. The entry stays as shown until
    // the new value arrives. Something unreadable in its place is someone's doing.
    if (Message.safeParse(change.previous.get(id)).success && doc.hasMessageKey(id)) {
      ctx.report(refused(id, 'A message was overwritten with something unreadable; it is still shown as it was.'));
    }
  }
  const keyOf = (m: { sentAt: number; id: string }) => K.msg(ctx.conv, m.sentAt, m.id);
  const priors = await readCurrent(ctx, [...values.values()].map(keyOf));
  for (const [id, m] of values) {
    const key = keyOf(m);
    let prior = priors.get(key);
    try {
      if (defer && !prior && !change.previous.has(id)) {
        out.set(id, withUncheckedReactions(entryFromMessage(m, 'sent', {}, false), doc.unverifiedReactions(id)));
        uncheckedDelta++;
        continue;
      }
      if (prior?.unchecked) {
        // the version stored before was never checked: settle it first, as if it had been checked on arrival
        const outcome = await ctx.check.entry(prior);
        if (outcome.kind === 'later') throw new MekongError(ErrorCode.UNAVAILABLE, 'The author of a message could not be looked up; trying again.');
        uncheckedDelta--;
        if (outcome.kind === 'ok') {
          prior = outcome.shown;
          out.set(id, prior);
        } else {
          ctx.report(outcome.error);
          deleted.add(key);
          prior = undefined;
        }
      }
      await ctx.check.verify(m);
      const before = Message.safeParse(change.previous.get(id));
      checkSuccession(m, prior, before.success ? before.data : undefined);
      out.set(id, entryFromMessage(m, 'sent', await settleReactions(ctx.check, id, prior, doc.unverifiedReactions(id), true)));
      deleted.delete(key);
    } catch (err) {
      if (!isMekongError(err) || TRANSIENT.has(err.code)) throw err;
      ctx.report(err);
    }
  }
  const reacted = [...new Set(change.reactions)].filter((id) => !out.has(id)).flatMap((id) => {
    const m = doc.message(id);
    return m ? [m] : [];
  });
  if (reacted.length) {
    const shown = await readCurrent(ctx, reacted.map(keyOf));
    for (const m of reacted) {
      const e = shown.get(keyOf(m));
      if (!e) continue;
      // an unchecked entry keeps the document's values, to be checked with it; a shown one the verified ones
      if (e.unchecked) {
        out.set(m.id, withUncheckedReactions(e, doc.unverifiedReactions(m.id)));
        continue;
      }
      const next = await settleReactions(ctx.check, m.id, e, doc.unverifiedReactions(m.id), true);
      if (!sameReactions(e, next)) out.set(m.id, withReactionState(e, next));
    }
  }
  return { entries: [...out.values()], deleted: [...deleted], uncheckedDelta };
}

/** Index entries at `keys` as they stand, counting writes of the batch not stored yet. */
async function readCurrent(ctx: ChangeContext, keys: string[]): Promise<Map<string, MessageEntry>> {
  const written = ctx.written;
  const out = await readEntriesAt(ctx.storage, ctx.conv, written?.size ? keys.filter((k) => !written.has(k)) : keys);
  if (written?.size) {
    for (const k of keys) {
      const e = written.get(k);
      if (e) out.set(k, e);
    }
  }
  return out;
}

function refused(messageId: string, message: string): MekongError {
  return new MekongError(ErrorCode.FORBIDDEN, message, { messageId });
}

/**
 * A signed message may replace the version shown only as its author's edit or recall: same author,
 * kind, send time and reply, never older than what is shown, never un-recalled.
 * @throws MekongError FORBIDDEN otherwise
 */
function checkSuccession(m: Message, shown: MessageEntry | undefined, before: Message | undefined): void {
  if (shown) {
    if (shown.author.user !== m.author.user) throw refused(m.id, 'Someone other than its author tried to change a message; the change is ignored.');
    if (shown.kind !== m.kind || (shown.replyTo ?? '') !== (m.replyTo ?? '')) {
      throw refused(m.id, 'A change to a message altered what an edit may not; it is ignored.');
    }
    if (shown.recalled && m.recalledAt === undefined) throw refused(m.id, 'A recalled message was sent again; it stays recalled.');
    if ((shown.editedAt ?? 0) > (m.editedAt ?? 0)) throw refused(m.id, 'An older version of a message was sent again; the newer one stays.');
    return;
  }
  // not shown at this send time: a message that was shown elsewhere may not move or change hands
  if (before && (before.author.user !== m.author.user || before.sentAt !== m.sentAt)) {
    throw refused(m.id, 'Someone other than its author tried to change a message; the change is ignored.');
  }
}
