// A window onto one conversation for an app: newest messages first loaded from the local index,
// then kept current as the replica applies local and remote changes. Every entry it shows has a
// verified author signature: pages come from `Replica.page`, which checks entries applied in bulk
// first, and the replica announces changes only for checked entries.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { MessageEntry } from '../sync/entries';
import type { Replica } from '../sync/replica';
import { signedReactions } from '../sync/reactions';
import type { StoragePort } from '../storage';
import type { Conversation, MessageView, UserProfile } from './types';

export interface ViewDeps {
  replica: Replica;
  storage: StoragePort;
  selfId: string;
  peer: UserProfile;
  profileOf(userId: string): { username?: string; displayName?: string };
  /** resolves when the replica has caught up with the relay */
  waitSynced(timeoutMs: number): Promise<void>;
  onClose(view: ConversationView): void;
  /** Typing signals of this conversation (see EphemeralChannel); without it typing does nothing. */
  typing?: { signal(active: boolean): void; subscribe(cb: (users: UserProfile[]) => void): () => void };
}

const PAGE = 50;
/** Most messages a view keeps in memory; past it the oldest are let go (loadOlder brings them back). */
const MAX_WINDOW = 1000;

export class ConversationView implements Conversation {
  private window: MessageEntry[] = [];
  private views: MessageView[] = [];
  private readonly listeners = new Set<(m: MessageView[]) => void>();
  private readonly typingOffs = new Set<() => void>();
  private closed = false;

  private constructor(private readonly deps: ViewDeps) {}

  static async open(deps: ViewDeps): Promise<ConversationView> {
    const v = new ConversationView(deps);
    v.window = await deps.replica.page(PAGE);
    v.views = v.window.map((e) => v.view(e));
    return v;
  }

  get id(): string {
    return this.deps.replica.id;
  }
  get peer(): UserProfile {
    return this.deps.peer;
  }

  messages(): MessageView[] {
    return this.views.slice();
  }

  async loadOlder(count = PAGE): Promise<boolean> {
    const first = this.window[0];
    if (!first) return false;
    const older = await this.deps.replica.page(count, { sentAt: first.sentAt, id: first.id });
    if (older.length === 0) return false;
    this.window = [...older, ...this.window];
    this.views = [...older.map((e) => this.view(e)), ...this.views];
    this.emit();
    return true;
  }

  async send(text: string): Promise<MessageView> {
    this.assertOpen();
    const e = await this.deps.replica.sendText(text);
    this.deps.typing?.signal(false);
    return this.view(e);
  }

  typing(active = true): void {
    if (!this.closed) this.deps.typing?.signal(active);
  }

  onTyping(cb: (users: UserProfile[]) => void): () => void {
    if (this.closed || !this.deps.typing) {
      cb([]);
      return () => {};
    }
    const off = this.deps.typing.subscribe(cb);
    this.typingOffs.add(off);
    return () => {
      this.typingOffs.delete(off);
      off();
    };
  }

  async edit(messageId: string, text: string): Promise<MessageView> {
    this.assertOpen();
    return this.view(await this.deps.replica.editText(messageId, text));
  }

  async react(messageId: string, emoji: string | null): Promise<void> {
    this.assertOpen();
    await this.deps.replica.react(messageId, emoji);
  }

  async recall(messageId: string): Promise<MessageView> {
    this.assertOpen();
    return this.view(await this.deps.replica.recall(messageId));
  }

  async pin(messageId: string): Promise<void> {
    this.assertOpen();
    await this.deps.replica.pin(messageId, true);
  }

  async unpin(messageId: string): Promise<void> {
    this.assertOpen();
    await this.deps.replica.pin(messageId, false);
  }

  async pinned(): Promise<MessageView[]> {
    this.assertOpen();
    return (await this.deps.replica.pinnedEntries()).map((e) => this.view(e));
  }

  subscribe(cb: (messages: MessageView[]) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  markRead(): Promise<void> {
    return this.deps.replica.markRead();
  }

  synced(timeoutMs = 10_000): Promise<void> {
    return this.deps.waitSynced(timeoutMs);
  }

  close(): void {
    if (!this.closed) this.deps.typing?.signal(false);
    this.closed = true;
    this.listeners.clear();
    for (const off of this.typingOffs) off();
    this.typingOffs.clear();
    this.deps.onClose(this);
  }

  /** Merge changed entries into the window (called by the client). New messages usually land at the end: O(log n) each. */
  apply(entries: MessageEntry[]): void {
    if (this.closed) return;
    let changed = false;
    for (const e of entries) {
      if (e.unchecked) continue; // never shown before its signature is checked (the replica does not send these)
      const at = this.position(e);
      if (at < this.window.length && this.window[at]!.id === e.id) {
        this.window[at] = e;
        this.views[at] = this.view(e);
        changed = true;
        continue;
      }
      // older than a full window: it appears when the user scrolls back
      if (at === 0 && this.window.length >= PAGE) continue;
      this.window.splice(at, 0, e);
      this.views.splice(at, 0, this.view(e));
      changed = true;
    }
    if (!changed) return;
    if (this.window.length > MAX_WINDOW) {
      const drop = this.window.length - MAX_WINDOW;
      this.window.splice(0, drop);
      this.views.splice(0, drop);
    }
    this.emit();
  }

  /** Index of `e` in the sorted window, or where it would go. */
  private position(e: MessageEntry): number {
    let lo = 0;
    let hi = this.window.length;
    const last = this.window[hi - 1];
    if (last && cmp(last, e) < 0) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(this.window[mid]!, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private assertOpen(): void {
    if (this.closed) throw new MekongError(ErrorCode.BAD_REQUEST, 'This conversation was closed; open it again.');
  }

  private emit(): void {
    if (this.listeners.size === 0) return;
    const snapshot = this.messages();
    for (const cb of this.listeners) cb(snapshot);
  }

  private view(e: MessageEntry): MessageView {
    const p = this.deps.profileOf(e.author.user);
    const v: MessageView = {
      id: e.id,
      conversationId: this.id,
      from: { userId: e.author.user, ...p },
      mine: e.author.user === this.deps.selfId,
      kind: e.kind,
      text: e.text,
      sentAt: e.sentAt,
      status: e.status,
    };
    if (e.editedAt !== undefined) v.editedAt = e.editedAt;
    if (e.recalled) v.recalled = true;
    // only reactions with a verified signature (an entry indexed before they were signed has others)
    const reactions = signedReactions(e);
    if (Object.keys(reactions).length > 0) v.reactions = reactions;
    return v;
  }
}

function cmp(a: MessageEntry, b: MessageEntry): number {
  return a.sentAt - b.sentAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
