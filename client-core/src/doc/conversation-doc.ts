// One conversation's CRDT document: messages keyed by id in a Y.Map (constant cost per append,
// unlike Y.Array.push), plus reactions, read cursors and pins. Values are plain objects.
import { DocMaps, Message, Pin, ReadCursor, Reaction } from '@mekong/schema';
import * as Y from 'yjs';
import { validateUpdate } from './validate';

const LOCAL = Symbol('local');

export interface RemoteChange {
  /** ids of messages added or changed by the update */
  messages: string[];
  /** users whose read cursor moved */
  reads: string[];
  /** ids of messages whose reactions changed */
  reactions: string[];
  /** the value each changed message id held before the update (absent when it is new) */
  previous: Map<string, unknown>;
}

const emptyChange = (): RemoteChange => ({ messages: [], reads: [], reactions: [], previous: new Map() });

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
  /** message id → user id → emoji, kept current from the reactions map so a message's reactions cost O(its reactions) */
  private readonly reactionIndex = new Map<string, Map<string, string>>();
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
        const r = Reaction.safeParse(this.reactionsMap.get(k));
        const byUser = this.reactionIndex.get(messageId) ?? new Map<string, string>();
        if (r.success) byUser.set(userId, r.data.emoji);
        else byUser.delete(userId);
        if (byUser.size) this.reactionIndex.set(messageId, byUser);
        else this.reactionIndex.delete(messageId);
        this.changed.reactions.push(messageId);
      }
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
   * Set (or with `null` remove) one user's reaction to a message; returns the update bytes to send.
   * One reaction per user and message: a later one replaces it.
   */
  setReaction(messageId: string, userId: string, reaction: Reaction | null): Uint8Array {
    const key = reactionKey(messageId, userId);
    return this.local(() => {
      if (reaction) this.reactionsMap.set(key, { ...reaction });
      else this.reactionsMap.delete(key);
    });
  }

  /** Pin (or with `null` unpin) a message; returns the update bytes to send. */
  setPin(messageId: string, pin: Pin | null): Uint8Array {
    return this.local(() => {
      if (pin) this.pinsMap.set(messageId, { ...pin });
      else this.pinsMap.delete(messageId);
    });
  }

  /** Pinned messages, newest pin first (well-formed values only; who may pin is the caller's check). */
  pins(): Array<{ messageId: string; by: string; at: number }> {
    const out: Array<{ messageId: string; by: string; at: number }> = [];
    for (const [messageId, v] of this.pinsMap.entries()) {
      const p = Pin.safeParse(v);
      if (p.success) out.push({ messageId, ...p.data });
    }
    return out.sort((a, b) => b.at - a.at || (a.messageId < b.messageId ? -1 : 1));
  }

  /** Reactions to a message as user id → emoji (well-formed values only). */
  reactions(messageId: string): Record<string, string> {
    const byUser = this.reactionIndex.get(messageId);
    return byUser ? Object.fromEntries([...byUser].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : {};
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
