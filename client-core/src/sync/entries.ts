// The decrypted message index: what the app shows, kept beside the document so that opening a
// conversation reads the latest page from storage without loading the whole history.
// An entry applied in bulk may still carry `unchecked` (its author signature is not checked yet);
// such entries are never shown: the replica checks them first (see author-check.ts).
import type { Message, Reaction } from '@mekong/schema';
import { fromBytes, toBytes } from '../local/json';
import { K } from '../local/keys';
import type { StorageOp, StoragePort } from '../storage';

export interface MessageEntry {
  id: string;
  author: { user: string; device: string };
  kind: Message['kind'];
  text: string;
  sentAt: number;
  editedAt?: number;
  recalled?: boolean;
  replyTo?: string;
  /** user id → emoji, each verified to be signed by a device of that user; absent when nobody reacted */
  reactions?: Record<string, string>;
  /**
   * user id → `at` of the newest verified reaction value of that user, removals included: an older
   * value seen later (a replay) changes nothing (see reactions.ts)
   */
  reactedAt?: Record<string, number>;
  status: 'pending' | 'sent';
  /**
   * Present while the author signature is not checked yet (a message applied in bulk): the
   * signature and the signed fields the entry leaves out. Such an entry is never shown; the
   * replica checks it first and then stores the entry without this field, or drops it.
   */
  unchecked?: UncheckedPart;
}

/** What checking an entry's author signature needs beyond the entry's own fields. */
export interface UncheckedPart {
  sig: string;
  /** the body of a recalled message when it was not empty (a well-behaved recall empties it) */
  body?: string;
  media?: Message['media'];
  forwardedFrom?: Message['forwardedFrom'];
  recalledAt?: number;
  /** the document's reaction values on the message (user id → value), checked together with the message */
  reactions?: Record<string, Reaction>;
}

/** What an entry shows of a message's reactions. */
export type ReactionState = Pick<MessageEntry, 'reactions' | 'reactedAt'>;

/**
 * The index entry of a message. With `checked = false` the entry keeps what a later check of the
 * author signature needs (see {@link signedMessageOf}); it must not be shown before that check.
 */
export function entryFromMessage(m: Message, status: MessageEntry['status'], reactions: ReactionState = {}, checked = true): MessageEntry {
  const e: MessageEntry = {
    id: m.id,
    author: { user: m.author.user, device: m.author.device },
    kind: m.kind,
    text: m.recalledAt ? '' : m.body,
    sentAt: m.sentAt,
    status,
  };
  if (m.editedAt !== undefined) e.editedAt = m.editedAt;
  if (m.recalledAt !== undefined) e.recalled = true;
  if (m.replyTo !== undefined) e.replyTo = m.replyTo;
  if (reactions.reactions && Object.keys(reactions.reactions).length > 0) e.reactions = reactions.reactions;
  if (reactions.reactedAt && Object.keys(reactions.reactedAt).length > 0) e.reactedAt = reactions.reactedAt;
  if (!checked) {
    const u: UncheckedPart = { sig: m.sig };
    if (m.recalledAt !== undefined && m.body !== '') u.body = m.body;
    if (m.media !== undefined) u.media = m.media;
    if (m.forwardedFrom !== undefined) u.forwardedFrom = m.forwardedFrom;
    if (m.recalledAt !== undefined) u.recalledAt = m.recalledAt;
    e.unchecked = u;
  }
  return e;
}

/**
 * The signed message an unchecked entry stands for, rebuilt from the entry and its unchecked part,
 * or undefined when the two disagree (which no honest writer produces). Checking its signature
 * checks every field the entry shows, since the entry is derived from exactly these fields.
 */
export function signedMessageOf(e: MessageEntry): Message | undefined {
  const u = e.unchecked;
  if (!u || (e.recalled === true) !== (u.recalledAt !== undefined)) return undefined;
  if (u.body !== undefined && !e.recalled) return undefined;
  const m: Message = { id: e.id, author: { user: e.author.user, device: e.author.device }, kind: e.kind, body: e.recalled ? (u.body ?? '') : e.text, sentAt: e.sentAt, sig: u.sig };
  if (u.media !== undefined) m.media = u.media;
  if (e.replyTo !== undefined) m.replyTo = e.replyTo;
  if (u.forwardedFrom !== undefined) m.forwardedFrom = u.forwardedFrom;
  if (e.editedAt !== undefined) m.editedAt = e.editedAt;
  if (u.recalledAt !== undefined) m.recalledAt = u.recalledAt;
  return m;
}

/** The entry shown once its signature checked out: rebuilt from the checked message, with its status and the checked reactions. */
export function checkedEntry(e: MessageEntry, m: Message, reactions: ReactionState): MessageEntry {
  return entryFromMessage(m, e.status, reactions);
}

export const putEntryOp = (conv: string, e: MessageEntry): StorageOp => ({
  type: 'put',
  key: K.msg(conv, e.sentAt, e.id),
  value: toBytes(e),
});

/**
 * The newest `limit` entries before `before` (exclusive), oldest first, as stored: unchecked ones
 * included. What the app shows comes from `Replica.page`, which checks them.
 */
export async function readEntries(
  storage: StoragePort,
  conv: string,
  limit: number,
  before?: { sentAt: number; id: string },
): Promise<MessageEntry[]> {
  const rows = await storage.range(K.msgPrefix(conv), {
    reverse: true,
    limit,
    ...(before ? { before: K.msg(conv, before.sentAt, before.id) } : {}),
  });
  return rows.map(([, v]) => fromBytes<MessageEntry>(v)).reverse();
}

export async function readEntry(storage: StoragePort, conv: string, sentAt: number, id: string) {
  const v = await storage.get(K.msg(conv, sentAt, id));
  return v ? fromBytes<MessageEntry>(v) : undefined;
}

/** Existing index entries among `keys` (full index keys): a few single reads, or one range read over their span. */
export async function readEntriesAt(storage: StoragePort, conv: string, keys: string[]): Promise<Map<string, MessageEntry>> {
  const out = new Map<string, MessageEntry>();
  if (keys.length <= 16) {
    for (const k of keys) {
      const v = await storage.get(k);
      if (v) out.set(k, fromBytes<MessageEntry>(v));
    }
    return out;
  }
  const wanted = new Set(keys);
  let first = keys[0]!;
  let last = first;
  for (const k of keys) {
    if (k < first) first = k;
    else if (k > last) last = k;
  }
  // '.' (0x2e) ends the time part of a key and '/' (0x2f) sorts right after it, so these bounds take
  // in every key from the first one up to the last one
  const prefix = K.msgPrefix(conv);
  const timePart = (k: string) => k.slice(0, k.indexOf('.', prefix.length));
  const rows = await storage.range(prefix, { after: `${timePart(first)}-`, before: `${timePart(last)}/` });
  for (const [k, v] of rows) if (wanted.has(k)) out.set(k, fromBytes<MessageEntry>(v));
  return out;
}
