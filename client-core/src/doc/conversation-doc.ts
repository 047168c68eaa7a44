// One conversation's CRDT document: messages keyed by id in a Y.Map (constant cost per append,
// unlike Y.Array.push), plus reactions, read cursors and pins. Values are plain objects.
import { DocMaps, Message, ReadCursor } from '@mekong/schema';
import * as Y from 'yjs';
import { validateUpdate } from './validate';

const LOCAL = Symbol('local');

export interface RemoteChange {
  /** ids of messages added or changed by the update */
  messages: string[];
  /** users whose read cursor moved */
  reads: string[];
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
  private changed: RemoteChange = { messages: [], reads: [] };

  constructor() {
    this.messagesMap.observe((e) => {
      for (const k of e.keysChanged) this.changed.messages.push(k);
    });
    this.readsMap.observe((e) => {
      for (const k of e.keysChanged) this.changed.reads.push(k);
    });
  }

  /** Apply stored state without validation (it was validated when it first arrived). */
  loadTrusted(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, LOCAL);
    this.changed = { messages: [], reads: [] };
  }

  /** Validate and apply an update or snapshot from another device; returns what changed. */
  applyRemote(update: Uint8Array, kind: 'update' | 'snapshot' = 'update'): RemoteChange {
    validateUpdate(update, kind);
    this.changed = { messages: [], reads: [] };
    Y.applyUpdate(this.doc, update, 'remote');
    const out = this.changed;
    this.changed = { messages: [], reads: [] };
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

  /** A message by id, or undefined if absent or not well-formed (a member may write garbage). */
  message(id: string): Message | undefined {
    const parsed = Message.safeParse(this.messagesMap.get(id));
    return parsed.success ? parsed.data : undefined;
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
    this.changed = { messages: [], reads: [] };
    return out ?? new Uint8Array(0);
  }
}
