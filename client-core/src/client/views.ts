// How the app sees its conversations: the list with unread counts and last messages, and the
// open conversation views, which receive new message entries as the replicas apply them.
import { fromBytes, toBytes } from '../local/json';
import type { MessageEntry } from '../sync/entries';
import type { Replica } from '../sync/replica';
import type { ClientContext } from './context';
import { ConversationView } from './conversation-view';
import type { Following } from './following';
import type { Groups } from './groups';
import type { Conversation, ConversationSummary, MessageView } from './types';

const seenKey = (conv: string) => `conv/${conv}/seen`;

/**
 * @example
 * const views = new Views(ctx, following, groups, (replica, ms) => frames.waitSynced(replica, ms));
 * const list = await views.summaries();           // newest activity first
 * const chat = await views.open(replica);          // a live view of one conversation
 */
export class Views {
  private readonly live = new Map<string, Set<ConversationView>>();

  constructor(
    private readonly ctx: ClientContext,
    private readonly following: Following,
    private readonly groups: Groups,
    private readonly waitSynced: (replica: Replica, timeoutMs: number) => Promise<void>,
  ) {}

  /** The conversation list, newest activity first. */
  async summaries(): Promise<ConversationSummary[]> {
    const run = this.ctx.requireRun();
    const storage = this.ctx.opts.storage;
    const me = this.ctx.session().userId;
    const out: ConversationSummary[] = [];
    for (const r of run.replicas.values()) {
      // previews and unread counts come from verified entries only (see Replica.page)
      const recent = await r.page(100);
      const last = recent.at(-1);
      const seen = await storage.get(seenKey(r.id));
      const seenAt = seen ? fromBytes<number>(seen) : 0;
      const unread = recent.filter((e) => e.sentAt > seenAt && e.author.user !== me).length;
      const flagged = this.following.unverified.get(r.id);
      const base = { id: r.id, unread, ...(last ? { lastMessage: this.viewOf(r.id, last) } : {}), ...(flagged?.length ? { unverifiedMembers: flagged } : {}) };
      if (r.info.kind === 'group') {
        const group = await this.groups.infoOf(r.id);
        if (!group) continue;
        out.push({ ...base, kind: 'group', title: group.name, peer: { id: r.id, username: '', displayName: group.name }, group });
      } else {
        const peer = await this.ctx.profile(r.members.find((m) => m !== me) ?? me);
        out.push({ ...base, kind: 'direct', title: peer.displayName, peer });
      }
    }
    return out.sort((a, b) => (b.lastMessage?.sentAt ?? 0) - (a.lastMessage?.sentAt ?? 0));
  }

  /** A live view of one conversation; reading it marks the conversation seen on this device. */
  async open(replica: Replica): Promise<Conversation> {
    const storage = this.ctx.opts.storage;
    const me = this.ctx.session().userId;
    const peer =
      replica.info.kind === 'group'
        ? { id: replica.id, username: '', displayName: replica.info.name ?? '' }
        : await this.ctx.profile(replica.members.find((m) => m !== me) ?? me);
    const v = await ConversationView.open({
      replica,
      storage,
      selfId: me,
      peer,
      profileOf: (id) => this.ctx.knownProfile(id) ?? {},
      waitSynced: (t) => this.waitSynced(replica, t),
      onClose: (view) => this.live.get(replica.id)?.delete(view),
      typing: { signal: (active) => this.ctx.run()?.ephemeral.typing(replica.id, active), subscribe: (cb) => this.ctx.requireRun().ephemeral.onTyping(replica.id, cb) },
    });
    const set = this.live.get(replica.id) ?? new Set();
    set.add(v);
    this.live.set(replica.id, set);
    // reading a conversation marks it seen on this device
    const origMarkRead = v.markRead.bind(v);
    v.markRead = async () => {
      const [last] = await replica.page(1);
      if (last) await storage.put(seenKey(replica.id), toBytes(last.sentAt));
      await origMarkRead();
      this.ctx.conversationsChanged();
    };
    return v;
  }

  /** New message entries of a conversation, as a replica applied them. */
  apply(conv: string, entries: MessageEntry[]): void {
    this.ctx.run()?.ephemeral.messagesFrom(conv, entries.map((e) => e.author.user));
    for (const v of this.live.get(conv) ?? []) v.apply(entries);
    this.ctx.conversationsChanged();
  }

  private viewOf(conv: string, e: MessageEntry): MessageView {
    const p = this.ctx.knownProfile(e.author.user) ?? {};
    return { id: e.id, conversationId: conv, from: { userId: e.author.user, ...p }, mine: e.author.user === this.ctx.session().userId, kind: e.kind, text: e.text, sentAt: e.sentAt, status: e.status };
  }
}
