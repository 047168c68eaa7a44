// One conversation's CRDT document: messages keyed by id in a Y.Map (constant cost per append,
// unlike Y.Array.push), plus reactions, read cursors and pins. Values are plain objects.
// Reactions and pins come out as written, signatures not checked: what is shown goes through
// sync/author-check.ts (who signed them) and the state the device keeps (sync/reactions.ts, sync/pins.ts).
import { DocMaps, Message, Pin, ReadCursor, Reaction } from '@mekong/schema';
import * as Y from 'yjs';
import { validateUpdate } from './validate';

const LOCAL = Symbol('local');
const NO_REACTIONS: ReadonlyMap<string, Reaction> = new Map();

export interface RemoteChange {
  /** ids of messages added or changed by the update */
  messages: string[];
  /** users whose read cursor moved */
  reads: string[];
  /** ids of messages whose reactions changed */
  reactions: string[];
  /** ids of messages whose pin value changed */
  pins: string[];
  /** the value each changed message id held before the update (absent when it is new) */
  previous: Map<string, unknown>;
}

const emptyChange = (): RemoteChange => ({ messages: [], reads: [], reactions: [], pins: [], previous: new Map() });

/** Key of one user's reaction to one message in the reactions map (`${messageId}|${userId}`). */
export const reactionKey = (messageId: string, userId: string): string => `${messageId}|${userId}`;

/** Split a reactions-map key; user ids never contain '|', message ids might. */
function splitReactionKey(key: string): [string, string] | undefined {
  const at = key.lastIndexOf('|');
  return at > 0 && at < key.length - 1 ? [key.slice(0, at), key.slice(at + 1)] : undefined;
}

/**
 * Wraps a Y.Doc with the message model. Remote bytes go through `applyRemote`, which validates first.
 * @example
 * const d = new ConversationDoc();
 * const update = d.putMessage(message); // bytes to encrypt and push
 */
export class ConversationDoc {
  readonly doc = new Y.Doc();
  private readonly messagesMap = this.doc.getMap<unknown>(DocMaps.messages);
  private readonly readsMap = this.doc.getMap<unknown>(DocMaps.reads);
  private readonly reactionsMap = this.doc.getMap<unknown>(DocMaps.reactions);
  private readonly pinsMap = this.doc.getMap<unknown>(DocMaps.pins);
  /**
   * message id → user id → well-formed reaction value (the document's own object, so a checker can
   * remember what it verified by identity), kept current from the reactions map so that a message's
   * reactions cost O(its reactions)
   */
  private readonly reactionIndex = new Map<string, Map<string, Reaction>>();
  private changed: RemoteChange = emptyChange();

  constructor() {
    this.messagesMap.observe((e) => {
      for (const k of e.keysChanged) {
        this.changed.messages.push(k);
        const old = e.changes.keys.get(k);
        if (old && old.action !== 'add' && !this.changed.previous.has(k)) this.changed.previous.set(k, old.oldValue);
      }
    });
    this.readsMap.observe((e) => {
      for (const k of e.keysChanged) this.changed.reads.push(k);
    });
    this.reactionsMap.observe((e) => {
      for (const k of e.keysChanged) {
        const parts = splitReactionKey(k);
        if (!parts) continue;
        const [messageId, userId] = parts;
        const value = this.reactionsMap.get(k);
        const byUser = this.reactionIndex.get(messageId) ?? new Map<string, Reaction>();
        if (Reaction.safeParse(value).success) byUser.set(userId, value as Reaction);
        else byUser.delete(userId);
        if (byUser.size) this.reactionIndex.set(messageId, byUser);
        else this.reactionIndex.delete(messageId);
        this.changed.reactions.push(messageId);
      }
    });
    this.pinsMap.observe((e) => {
      for (const k of e.keysChanged) this.changed.pins.push(k);
    });
  }

  /** Apply stored state without validation (it was validated when it first arrived), in one transaction. */
  loadTrusted(updates: Uint8Array | Uint8Array[]): void {
    const list = Array.isArray(updates) ? updates : [updates];
    this.doc.transact(() => {
      for (const u of list) Y.applyUpdate(this.doc, u, LOCAL);
    }, LOCAL);
    this.changed = emptyChange();
  }

  /** Validate and apply an update or snapshot from another device; returns what changed. */
  applyRemote(update: Uint8Array, kind: 'update' | 'snapshot' = 'update'): RemoteChange {
    validateUpdate(update, kind);
    this.changed = emptyChange();
    Y.applyUpdate(this.doc, update, 'remote');
    const out = this.changed;
    this.changed = emptyChange();
    return out;
  }

  /** Add or replace a message; returns the update bytes to send. */
  putMessage(m: Message): Uint8Array {
    return this.local(() => this.messagesMap.set(m.id, { ...m }));
  }

  /** Move a member's read cursor; returns the update bytes to send. */
  setRead(userId: string, cursor: ReadCursor): Uint8Array {
    return this.local(() => this.readsMap.set(userId, { ...cursor }));
  }

  /**
   * Write one user's signed reaction value for a message (a removal is a value with `emoji: null`;
   * keys are never deleted); returns the update bytes to send. One value per user and message.
   */
  setReaction(messageId: string, userId: string, reaction: Reaction): Uint8Array {
    return this.local(() => this.reactionsMap.set(reactionKey(messageId, userId), { ...reaction }));
  }

  /** Write a message's signed pin value (an unpin is a value with `pinned: false`); returns the update bytes to send. */
  setPin(messageId: string, pin: Pin): Uint8Array {
    return this.local(() => this.pinsMap.set(messageId, { ...pin }));
  }

  /**
   * The well-formed pin values of the given messages (all when `ids` is absent), as written: their
   * signatures are NOT checked here. Show pins only through `PinBoard` (sync/pins.ts).
   */
  unverifiedPins(ids?: Iterable<string>): Map<string, Pin> {
    const out = new Map<string, Pin>();
    const add = (messageId: string, v: unknown) => {
      if (Pin.safeParse(v).success) out.set(messageId, v as Pin);
    };
    if (ids) for (const id of ids) add(id, this.pinsMap.get(id));
    else for (const [id, v] of this.pinsMap.entries()) add(id, v);
    return out;
  }

  /**
   * The well-formed reaction values on a message as user id → value, as written: their signatures
   * are NOT checked here. Show reactions only through `settleReactions` (sync/reactions.ts).
   */
  unverifiedReactions(messageId: string): ReadonlyMap<string, Reaction> {
    return this.reactionIndex.get(messageId) ?? NO_REACTIONS;
  }

  /** A message by id, or undefined if absent or not well-formed (a member may write garbage). */
  message(id: string): Message | undefined {
    const parsed = Message.safeParse(this.messagesMap.get(id));
    return parsed.success ? parsed.data : undefined;
  }

  /** Whether any value, well-formed or not, is stored under this message id. */
  hasMessageKey(id: string): boolean {
    return this.messagesMap.has(id);
  }

  messageCount(): number {
    return this.messagesMap.size;
  }

  /** Every well-formed message, oldest first. */
  allMessages(): Message[] {
    const out: Message[] = [];
    for (const v of this.messagesMap.values()) {
      const p = Message.safeParse(v);
      if (p.success) out.push(p.data);
    }
    return out.sort((a, b) => a.sentAt - b.sentAt || (a.id < b.id ? -1 : 1));
  }

  read(userId: string): ReadCursor | undefined {
    const p = ReadCursor.safeParse(this.readsMap.get(userId));
    return p.success ? p.data : undefined;
  }

  encodeState(): Uint8Array {
    return Y.encodeStateAsUpdate(this.doc);
  }

  destroy(): void {
    this.doc.destroy();
  }

  private local(fn: () => void): Uint8Array {
    let out: Uint8Array | undefined;
    const h = (u: Uint8Array, origin: unknown) => {
      if (origin === LOCAL) out = out ? Y.mergeUpdates([out, u]) : u;
    };
    this.doc.on('update', h);
    try {
      this.doc.transact(fn, LOCAL);
    } finally {
      this.doc.off('update', h);
    }
    this.changed = emptyChange();
    return out ?? new Uint8Array(0);
  }
}
