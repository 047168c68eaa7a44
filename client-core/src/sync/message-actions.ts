// What a user does to messages of one conversation: send, edit, recall, react, pin, mark read.
// Each action signs what it writes with this device's key and runs in the replica's queue, so the
// document, the index and the outbox change together. Reactions and pins are signed values too
// (removing one writes a signed removal, never deletes a key): see reactions.ts and pins.ts.
import {
  canonicalMessage,
  canonicalPin,
  canonicalReaction,
  ErrorCode,
  isMekongError,
  Message,
  MekongError,
  type Pin,
  type Reaction,
  ReactionEmoji,
} from '@mekong/schema';
import { randomId, signMessage, signPin, signReaction, toBase64url } from '../crypto';
import type { ConversationDoc } from '../doc/conversation-doc';
import type { DeviceSecrets } from '../keys/secrets';
import { fromBytes } from '../local/json';
import { K } from '../local/keys';
import type { ConvMembers } from '../membership/tracker';
import type { StoragePort } from '../storage';
import { TRANSIENT, type AuthorCheck } from './author-check';
import { entryFromMessage, type MessageEntry, readEntry } from './entries';
import type { PinBoard } from './pins';
import { signedReactions, withOwnReaction, withReactionState } from './reactions';

/** What the actions need from their replica. */
export interface ActionsHost {
  readonly id: string;
  storage: StoragePort;
  secrets: DeviceSecrets;
  now(): number;
  members(): ConvMembers;
  check: AuthorCheck;
  /** The pins this device shows. */
  pins: PinBoard;
  /** Run `fn` in the replica's queue; its errors go to the caller. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  ensureDoc(): Promise<ConversationDoc>;
  /** Seal, store and queue a local update together with the index entries it changes. */
  pushLocal(update: Uint8Array, entries: MessageEntry[], track?: MessageEntry[]): Promise<void>;
  /** A send time strictly later than this device's previous message, recorded as the latest. */
  nextSentAt(): number;
  /** The entry as shown: one stored unchecked is checked first (undefined if it fails). */
  shown(e: MessageEntry | undefined): Promise<MessageEntry | undefined>;
}

/**
 * @example
 * const actions = new MessageActions(host);
 * const e = await actions.sendText('xin chào');
 * await actions.editText(e.id, 'xin chào cả nhà');
 */
export class MessageActions {
  constructor(private readonly host: ActionsHost) {}

  private get id(): string {
    return this.host.id;
  }

  /** Create, sign, encrypt and queue a text message. Resolves once it is durable on this device. */
  sendText(text: string, replyTo?: string, kind: 'text' | 'system' = 'text'): Promise<MessageEntry> {
    if (text.trim().length === 0) {
      return Promise.reject(new MekongError(ErrorCode.BAD_REQUEST, 'Type a message before sending.'));
    }
    return this.host.run(async () => {
      const { secrets } = this.host;
      const unsigned: Omit<Message, 'sig'> = {
        id: randomId(12),
        author: { user: secrets.userId, device: secrets.deviceId },
        kind,
        body: text,
        sentAt: this.host.nextSentAt(),
        ...(replyTo ? { replyTo } : {}),
      };
      const sig = toBase64url(signMessage(secrets.device.signSecretKey, canonicalMessage(this.id, unsigned)));
      const msg: Message = { ...unsigned, sig };
      if (!Message.safeParse(msg).success) throw new MekongError(ErrorCode.BAD_REQUEST, 'That message is too long; split it up.');
      const doc = await this.host.ensureDoc();
      const update = doc.putMessage(msg);
      const entry = entryFromMessage(msg, 'pending');
      await this.host.pushLocal(update, [entry]);
      return entry;
    });
  }

  /**
   * Replace the text of one of this user's messages. The new version is signed again by this
   * device, so the signature still covers every field. Resolves once it is durable on this device.
   * @throws MekongError NOT_FOUND (no such message), FORBIDDEN (someone else's), BAD_REQUEST (recalled, empty or too long)
   */
  editText(messageId: string, text: string): Promise<MessageEntry> {
    if (text.trim().length === 0) {
      return Promise.reject(new MekongError(ErrorCode.BAD_REQUEST, 'An edited message cannot be empty; recall it instead.'));
    }
    return this.host.run(async () => {
      const { doc, current, entry, rebuilt } = await this.ownMessage(messageId, 'edit');
      if (current.recalledAt !== undefined) throw new MekongError(ErrorCode.BAD_REQUEST, 'This message was recalled; it can no longer be edited.');
      if (current.body === text && !rebuilt) return entry;
      const { sig: _sig, ...rest } = current as Message;
      const editedAt = Math.max(this.host.now(), (current.editedAt ?? 0) + 1, current.sentAt);
      return this.putOwn(doc, { ...rest, author: this.author(), body: text, editedAt }, entry);
    });
  }

  /**
   * Recall one of this user's messages for everyone: body and media leave the document (and so
   * the next snapshot); a signed tombstone stays. Recalling twice changes nothing.
   * @throws MekongError NOT_FOUND (no such message), FORBIDDEN (someone else's)
   */
  recall(messageId: string): Promise<MessageEntry> {
    return this.host.run(async () => {
      const { doc, current, entry, rebuilt } = await this.ownMessage(messageId, 'recall');
      if (current.recalledAt !== undefined && !rebuilt) return entry;
      const { sig: _sig, media: _media, ...rest } = current as Message;
      const recalledAt = Math.max(this.host.now(), current.sentAt, current.editedAt ?? 0);
      return this.putOwn(doc, { ...rest, author: this.author(), body: '', recalledAt }, entry);
    });
  }

  /**
   * Set this user's reaction to a message (`null` removes it), signed by this device. One reaction
   * per user and message; a later one replaces the earlier. Resolves once it is durable on this device.
   * @throws MekongError NOT_FOUND (no such message), BAD_REQUEST (not one short emoji, or the message was recalled)
   */
  react(messageId: string, emoji: string | null): Promise<MessageEntry | undefined> {
    if (emoji !== null && !ReactionEmoji.safeParse(emoji).success) {
      return Promise.reject(new MekongError(ErrorCode.BAD_REQUEST, 'A reaction is one emoji of at most 32 characters.'));
    }
    return this.host.run(async () => {
      const doc = await this.host.ensureDoc();
      const m = doc.message(messageId);
      if (!m) throw new MekongError(ErrorCode.NOT_FOUND, 'No such message in this conversation.', { messageId });
      const me = this.host.secrets.userId;
      const entry = await this.host.shown(await readEntry(this.host.storage, this.id, m.sentAt, m.id));
      const written = doc.unverifiedReactions(messageId).get(me);
      // what this device shows; without an entry, what the document holds
      if ((entry ? (signedReactions(entry)[me] ?? null) : (written?.emoji ?? null)) === emoji) return entry;
      if (emoji !== null && m.recalledAt !== undefined) {
        throw new MekongError(ErrorCode.BAD_REQUEST, 'This message was recalled; it takes no new reactions.', { messageId });
      }
      // later than any value of this user seen here, whatever the clocks of their other devices say
      const at = Math.max(this.host.now(), (entry?.reactedAt?.[me] ?? -1) + 1, (written?.at ?? -1) + 1);
      const unsigned = { emoji, at, device: this.host.secrets.deviceId };
      const sig = signReaction(this.host.secrets.device.signSecretKey, canonicalReaction(this.id, messageId, me, unsigned));
      const value: Reaction = { ...unsigned, sig: toBase64url(sig) };
      const update = doc.setReaction(messageId, me, value);
      const next = entry && withReactionState(entry, withOwnReaction(entry, me, value));
      await this.host.pushLocal(update, next ? [next] : [], []);
      return next;
    });
  }

  /**
   * Pin or unpin a message, signed by this device. In a group only admins and the owner pin (as the
   * verified log says); in a 1-1 conversation both people do.
   * @throws MekongError NOT_FOUND (no such message), FORBIDDEN (not allowed to pin here)
   */
  pin(messageId: string, pinned: boolean): Promise<void> {
    return this.host.run(async () => {
      const { pins, secrets, storage } = this.host;
      if (!pins.mayPin(secrets.userId)) throw new MekongError(ErrorCode.FORBIDDEN, 'Only admins and the owner pin messages in this group.');
      const doc = await this.host.ensureDoc();
      if (!doc.message(messageId)) throw new MekongError(ErrorCode.NOT_FOUND, 'No such message in this conversation.', { messageId });
      const taken = await pins.settle(doc, [messageId]);
      if (taken) await storage.batch([taken]);
      if ((await pins.isPinned(messageId)) === pinned) return;
      const written = doc.unverifiedPins([messageId]).get(messageId);
      // later than any value for this message seen here, whatever the other pinners' clocks say
      const at = Math.max(this.host.now(), ((await pins.current(messageId))?.at ?? -1) + 1, (written?.at ?? -1) + 1);
      const unsigned = { by: secrets.userId, device: secrets.deviceId, pinned, at };
      const value: Pin = { ...unsigned, sig: toBase64url(signPin(secrets.device.signSecretKey, canonicalPin(this.id, messageId, unsigned))) };
      await this.host.pushLocal(doc.setPin(messageId, value), [], []);
      await storage.batch([await pins.own(messageId, value)]);
    });
  }

  /**
   * Pinned message ids, newest first: pins whose signature verifies with a device of the user who
   * pinned, kept only while that user may pin (admins and the owner of a group).
   */
  pinned(): Promise<string[]> {
    return this.host.run(() => this.pinnedNow());
  }

  /** The entries of the pinned messages as shown (author signatures checked), newest pin first. */
  pinnedEntries(): Promise<MessageEntry[]> {
    return this.host.run(async () => {
      const doc = await this.host.ensureDoc();
      const out: MessageEntry[] = [];
      for (const id of await this.pinnedNow()) {
        const m = doc.message(id);
        const e = m && (await this.host.shown(await readEntry(this.host.storage, this.id, m.sentAt, m.id)));
        if (e) out.push(e);
      }
      return out;
    });
  }

  /** Pinned message ids, for work in the queue: the document's pin values are taken in first. */
  private async pinnedNow(): Promise<string[]> {
    const doc = await this.host.ensureDoc();
    const taken = await this.host.pins.settle(doc);
    if (taken) await this.host.storage.batch([taken]);
    return this.host.pins.pinned(doc);
  }

  /** Move this user's read cursor to the newest message. */
  markRead(): Promise<void> {
    return this.host.run(async () => {
      const doc = await this.host.ensureDoc();
      const latest = doc.allMessages().at(-1);
      if (!latest) return;
      const cur = doc.read(this.host.secrets.userId);
      if (cur && (cur.sentAt > latest.sentAt || cur.messageId === latest.id)) return;
      const update = doc.setRead(this.host.secrets.userId, { messageId: latest.id, sentAt: latest.sentAt, at: this.host.now() });
      await this.host.pushLocal(update, []);
    });
  }

  /** This user's read cursor (sentAt of the newest read message), 0 when none. */
  async readCursor(userId: string): Promise<number> {
    const doc = await this.host.ensureDoc();
    return doc.read(userId)?.sentAt ?? 0;
  }

  private author(): Message['author'] {
    return { user: this.host.secrets.userId, device: this.host.secrets.deviceId };
  }

  /**
   * The version of one of this user's messages to build on: the document's value when it is this
   * user's own signed version of what this device shows, else (someone overwrote it) rebuilt from
   * what this device shows, so a forgery can neither be vouched for nor stop the author.
   */
  private async ownMessage(messageId: string, purpose: 'edit' | 'recall'): Promise<{ doc: ConversationDoc; current: Omit<Message, 'sig'>; entry: MessageEntry; rebuilt: boolean }> {
    const doc = await this.host.ensureDoc();
    const value = doc.message(messageId);
    const stored = (value && (await readEntry(this.host.storage, this.id, value.sentAt, value.id))) || (await this.findEntry(messageId));
    const entry = await this.host.shown(stored);
    if (!entry) throw new MekongError(ErrorCode.NOT_FOUND, 'No such message in this conversation.', { messageId });
    if (entry.author.user !== this.host.secrets.userId) {
      throw new MekongError(ErrorCode.FORBIDDEN, 'Only its author can edit or recall a message.', { messageId });
    }
    if (value && (await this.isVersionOf(value, entry))) return { doc, current: value, entry, rebuilt: false };
    // the document holds a value someone else wrote: start again from what this device shows
    if (purpose === 'edit' && entry.kind !== 'text') {
      throw new MekongError(ErrorCode.BAD_SIGNATURE, 'Someone overwrote this message; it can only be recalled.', { messageId });
    }
    const rebuilt: Omit<Message, 'sig'> = { id: entry.id, author: entry.author, kind: entry.kind, body: entry.text, sentAt: entry.sentAt };
    if (entry.replyTo !== undefined) rebuilt.replyTo = entry.replyTo;
    if (entry.editedAt !== undefined) rebuilt.editedAt = entry.editedAt;
    if (entry.recalled) rebuilt.recalledAt = Math.max(entry.sentAt, entry.editedAt ?? 0);
    return { doc, current: rebuilt, entry, rebuilt: true };
  }

  /** True when `m` is this user's own signed version of the message this device shows as `entry`. */
  private async isVersionOf(m: Message, entry: MessageEntry): Promise<boolean> {
    if (m.author.user !== entry.author.user || m.sentAt !== entry.sentAt || m.kind !== entry.kind) return false;
    if ((m.editedAt ?? 0) < (entry.editedAt ?? 0) || (entry.recalled && m.recalledAt === undefined)) return false;
    try {
      await this.host.check.verify(m);
      return true;
    } catch (err) {
      if (!isMekongError(err) || TRANSIENT.has(err.code)) throw err;
      return false;
    }
  }

  /** Find a shown message by id alone (a scan of the index; only needed after someone tampered with the document). */
  private async findEntry(messageId: string): Promise<MessageEntry | undefined> {
    for (const [k, v] of await this.host.storage.range(K.msgPrefix(this.id))) {
      if (k.endsWith(`.${messageId}`)) {
        const e = fromBytes<MessageEntry>(v);
        if (e.id === messageId) return e;
      }
    }
    return undefined;
  }

  /** Sign a new version of an own message, write it and queue it. The entry keeps its send status. */
  private async putOwn(doc: ConversationDoc, unsigned: Omit<Message, 'sig'>, before: MessageEntry): Promise<MessageEntry> {
    const sig = toBase64url(signMessage(this.host.secrets.device.signSecretKey, canonicalMessage(this.id, unsigned)));
    const msg: Message = { ...unsigned, sig };
    if (!Message.safeParse(msg).success) throw new MekongError(ErrorCode.BAD_REQUEST, 'That message is too long; split it up.');
    const update = doc.putMessage(msg);
    // the reactions shown stay as they are: they were verified when they arrived
    const entry = entryFromMessage(msg, before.status, before);
    // the entry turns 'sent' with the ack of the message itself, not of this change
    await this.host.pushLocal(update, [entry], []);
    return entry;
  }
}
