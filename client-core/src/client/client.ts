// The Mekong client: session, conversations and the background sync that keeps them current.
import { type Down, ErrorCode, isMekongError, MekongError } from '@mekong/schema';
import { asSigningPublicKey, fromBase64url, safetyNumber } from '../crypto';
import { ApiClient, type ApiConversation, type ApiProfile, type Tokens } from '../http/api';
import { DeviceDirectory } from '../keys/directory';
import { KeyManager } from '../keys/manager';
import { type DeviceSecrets, decodeSecrets, encodeSecrets } from '../keys/secrets';
import { fromBytes, toBytes } from '../local/json';
import { K } from '../local/keys';
import type { StoragePort } from '../storage';
import { type ConnectionStatus, RelayConnection } from '../sync/connection';
import { type MessageEntry, readEntries } from '../sync/entries';
import { type ConvInfo, Replica } from '../sync/replica';
import type { Transport } from '../transport/port';
import { webSocketTransport } from '../transport/websocket';
import { ConversationView } from './conversation-view';
import { login, register } from './session';
import type { Conversation, ConversationSummary, MekongClient, MessageView, Session, UserProfile } from './types';

export interface ClientOptions {
  /** Base URL of the Mekong server, e.g. `https://chat.example.com` or `http://localhost:8787`. */
  server: string;
  storage: StoragePort;
  /** Defaults to the global WebSocket (browsers); pass the `ws` transport in Node (see `@mekong/client-core/node`). */
  transport?: Transport;
  fetch?: typeof fetch;
  now?: () => number;
  /** How often to look for conversations started by others, while online. Default 5 s. */
  pollIntervalMs?: number;
  snapshotEvery?: number;
  /** Reconnect backoff bounds in ms (default 250 ms to 15 s). */
  reconnect?: { minMs?: number; maxMs?: number };
}

interface StoredSession {
  session: Session;
  tokens: Tokens;
}

interface Running {
  secrets: DeviceSecrets;
  directory: DeviceDirectory;
  keys: KeyManager;
  connection: RelayConnection;
  replicas: Map<string, Replica>;
  poll: ReturnType<typeof setInterval> | null;
}

export class Client implements MekongClient {
  session: Session | null = null;
  private tokens: Tokens | null = null;
  readonly api: ApiClient;
  private run: Running | null = null;
  private readonly views = new Map<string, Set<ConversationView>>();
  private readonly heads = new Map<string, number>();
  private readonly syncedSinceOnline = new Set<string>();
  private readonly profiles = new Map<string, { username: string; displayName: string }>();
  private readonly listeners = { convs: new Set<() => void>(), status: new Set<(s: ConnectionStatus) => void>(), problem: new Set<(e: Error) => void>() };
  private readonly now: () => number;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly opts: ClientOptions) {
    this.now = opts.now ?? Date.now;
    this.api = new ApiClient(
      opts.server,
      {
        get: () => this.tokens,
        set: (t) => this.saveTokens(t),
        lost: () => this.report(new MekongError(ErrorCode.UNAUTHENTICATED, 'Your session ended; log in again.')),
      },
      opts.fetch,
      this.now,
    );
  }

  get status(): ConnectionStatus {
    return this.run?.connection.status ?? 'offline';
  }

  /** Restore a saved session, if any, and start syncing. */
  async restore(): Promise<void> {
    const s = await this.opts.storage.get(K.session);
    const k = await this.opts.storage.get(K.deviceKeys);
    if (!s || !k) return;
    const stored = fromBytes<StoredSession>(s);
    this.session = stored.session;
    this.tokens = stored.tokens;
    await this.start(decodeSecrets(k));
  }

  async register(p: { username: string; password: string; displayName: string }): Promise<Session> {
    this.assertLoggedOut();
    const est = await register(this.api, (t) => this.saveTokens(t), p, this.now);
    return this.establish(est);
  }

  async login(p: { username: string; password: string }): Promise<Session> {
    this.assertLoggedOut();
    const k = await this.opts.storage.get(K.deviceKeys);
    const est = await login(this.api, (t) => this.saveTokens(t), p, k ? decodeSecrets(k) : null, this.now);
    return this.establish(est);
  }

  async logout(): Promise<void> {
    if (!this.session) return;
    try {
      await this.api.call('POST', '/api/users/logout');
    } catch {
      // logging out locally must work offline too
    }
    await this.stop();
    const all = await this.opts.storage.range('');
    await this.opts.storage.batch(all.map(([key]) => ({ type: 'del' as const, key })));
    this.session = null;
    this.tokens = null;
  }

  async findUser(username: string): Promise<UserProfile> {
    const u = username.trim().toLowerCase().replace(/^@/, '');
    if (!u) throw new MekongError(ErrorCode.BAD_REQUEST, 'Type a username.');
    const p = await this.api.call<ApiProfile>('GET', `/api/users/by-username/${encodeURIComponent(u)}`);
    return this.remember(p);
  }

  async conversations(): Promise<ConversationSummary[]> {
    const run = this.requireRun();
    const out: ConversationSummary[] = [];
    for (const r of run.replicas.values()) {
      const peerId = r.members.find((m) => m !== this.session!.userId) ?? this.session!.userId;
      const [last] = await readEntries(this.opts.storage, r.id, 1);
      const seen = await this.opts.storage.get(`conv/${r.id}/seen`);
      const seenAt = seen ? fromBytes<number>(seen) : 0;
      const recent = await readEntries(this.opts.storage, r.id, 100);
      const unread = recent.filter((e) => e.sentAt > seenAt && e.author.user !== this.session!.userId).length;
      out.push({ id: r.id, kind: 'direct', peer: await this.profile(peerId), unread, ...(last ? { lastMessage: this.viewOf(r.id, last) } : {}) });
    }
    return out.sort((a, b) => (b.lastMessage?.sentAt ?? 0) - (a.lastMessage?.sentAt ?? 0));
  }

  onConversationsChanged(cb: () => void): () => void {
    this.listeners.convs.add(cb);
    return () => this.listeners.convs.delete(cb);
  }

  async openDirect(username: string): Promise<Conversation> {
    const run = this.requireRun();
    const peer = await this.findUser(username);
    const res = await this.api.call<{ conversation: ApiConversation }>('POST', '/api/conversations/direct', { peerUserId: peer.id });
    const replica = await this.adopt(res.conversation);
    await run.keys.current(replica.id, replica.members);
    await run.keys.shareWithNewDevices(replica.id, replica.members);
    return this.view(replica);
  }

  async open(conversationId: string): Promise<Conversation> {
    const replica = this.requireRun().replicas.get(conversationId);
    if (!replica) throw new MekongError(ErrorCode.NOT_FOUND, 'No such conversation on this device.');
    return this.view(replica);
  }

  onStatus(cb: (s: ConnectionStatus) => void): () => void {
    this.listeners.status.add(cb);
    return () => this.listeners.status.delete(cb);
  }

  onProblem(cb: (err: Error) => void): () => void {
    this.listeners.problem.add(cb);
    return () => this.listeners.problem.delete(cb);
  }

  async safetyNumber(username: string): Promise<{ number: string; changed: boolean; verified: boolean }> {
    const run = this.requireRun();
    const peer = await this.findUser(username);
    const ident = await run.directory.pin({ ...peer, identityKey: (await this.api.call<ApiProfile>('GET', `/api/users/${encodeURIComponent(peer.id)}`)).identityKey });
    const theirs = ident.changedTo ?? ident.identityKey;
    const number = safetyNumber(
      { userId: this.session!.userId, identityKey: run.secrets.identity.publicKey },
      { userId: peer.id, identityKey: asSigningPublicKey(fromBase64url(theirs)) },
    );
    return { number, changed: ident.changedTo !== undefined && ident.changedTo !== ident.identityKey, verified: ident.verifiedKey === theirs };
  }

  async verifySafetyNumber(username: string): Promise<void> {
    const peer = await this.findUser(username);
    await this.requireRun().directory.markVerified(peer.id);
  }

  reconnect(): void {
    this.run?.connection.reconnectNow();
  }

  /** Drop the relay socket; the client reconnects by itself (tests use this to simulate failures). */
  dropConnection(): void {
    this.run?.connection.drop();
  }

  async close(): Promise<void> {
    await this.stop();
    await this.opts.storage.close();
  }

  /** Fetch the conversation list from the server and follow any new ones. */
  refreshConversations(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = (async () => {
        const res = await this.api.call<{ conversations: ApiConversation[] }>('GET', '/api/conversations');
        for (const c of res.conversations) await this.adopt(c);
      })().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async establish(est: Awaited<ReturnType<typeof register>>): Promise<Session> {
    this.session = est.session;
    this.tokens = est.tokens;
    await this.opts.storage.batch([
      { type: 'put', key: K.deviceKeys, value: encodeSecrets(est.secrets) },
      { type: 'put', key: K.session, value: toBytes({ session: est.session, tokens: est.tokens }) },
    ]);
    await this.start(est.secrets);
    await this.run!.keys.importBackup(est.restoredEpochs);
    try {
      await this.refreshConversations();
    } catch (err) {
      this.report(err);
    }
    return est.session;
  }

  private async start(secrets: DeviceSecrets): Promise<void> {
    if (this.session) this.profiles.set(this.session.userId, { username: this.session.username, displayName: this.session.displayName });
    const directory = new DeviceDirectory(this.api, this.opts.storage);
    const keys = new KeyManager(secrets, this.opts.storage, this.api, directory);
    const url = new URL('/sync', this.opts.server);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const connection = new RelayConnection({
      transport: this.opts.transport ?? webSocketTransport(),
      url: url.toString(),
      token: () => this.api.freshAccessToken(),
      onOnline: () => this.onOnline(),
      onFrame: (f) => this.onFrame(f),
      onStatus: (s) => {
        if (s !== 'online') this.syncedSinceOnline.clear();
        for (const cb of this.listeners.status) cb(s);
      },
      ...(this.opts.reconnect?.minMs !== undefined ? { minBackoffMs: this.opts.reconnect.minMs } : {}),
      ...(this.opts.reconnect?.maxMs !== undefined ? { maxBackoffMs: this.opts.reconnect.maxMs } : {}),
      onProblem: (reason, fatal) => this.report(new MekongError(fatal ? ErrorCode.UNAVAILABLE : ErrorCode.MALFORMED_FRAME, reason)),
    });
    this.run = { secrets, directory, keys, connection, replicas: new Map(), poll: null };
    for (const [k, v] of await this.opts.storage.range(K.convPrefix)) {
      if (k.endsWith('/info')) await this.ensureReplica(fromBytes<ConvInfo>(v));
    }
    connection.start();
    this.watchNetwork(connection);
    const every = this.opts.pollIntervalMs ?? 5000;
    this.run.poll = setInterval(() => {
      if (this.status === 'online') this.refreshConversations().catch((e) => this.report(e));
    }, every);
    (this.run.poll as { unref?: () => void }).unref?.();
  }

  private unwatchNetwork: (() => void) | null = null;

  /** In a browser, follow the system's online/offline events instead of waiting for timeouts. */
  private watchNetwork(connection: RelayConnection): void {
    const g = globalThis as unknown as {
      addEventListener?: (t: string, cb: () => void) => void;
      removeEventListener?: (t: string, cb: () => void) => void;
    };
    if (typeof g.addEventListener !== 'function' || typeof g.removeEventListener !== 'function') return;
    const online = () => connection.reconnectNow();
    const offline = () => connection.drop();
    g.addEventListener('online', online);
    g.addEventListener('offline', offline);
    this.unwatchNetwork = () => {
      g.removeEventListener?.('online', online);
      g.removeEventListener?.('offline', offline);
    };
  }

  private async stop(): Promise<void> {
    this.unwatchNetwork?.();
    this.unwatchNetwork = null;
    const run = this.run;
    if (!run) return;
    this.run = null;
    if (run.poll) clearInterval(run.poll);
    run.connection.stop();
    await Promise.all([...run.replicas.values()].map((r) => r.idle().catch(() => {})));
    await run.keys.flushBackup();
    for (const r of run.replicas.values()) r.close();
  }

  private onOnline(): void {
    for (const r of this.run?.replicas.values() ?? []) r.onOnline();
    this.refreshConversations().catch((e) => this.report(e));
  }

  private onFrame(f: Down): void {
    const run = this.run;
    if (!run) return;
    switch (f.type) {
      case 'ack':
        this.bumpHead(f.conv, f.seq);
        run.replicas.get(f.conv)?.onAck(f.counter, f.seq);
        return;
      case 'update':
        this.bumpHead(f.conv, f.seq);
        run.replicas.get(f.conv)?.onUpdate(f.seq, f.envelope);
        return;
      case 'snapshot':
        run.replicas.get(f.conv)?.onUpdate(f.seq, f.envelope, 'snapshot');
        return;
      case 'synced':
        this.bumpHead(f.conv, f.head);
        this.syncedSinceOnline.add(f.conv);
        run.replicas.get(f.conv)?.onSynced(f.head);
        return;
      case 'error':
        if (f.code === ErrorCode.RATE_LIMITED || f.code === ErrorCode.UNAVAILABLE) this.scheduleResend();
        this.report(new MekongError(isCode(f.code) ? f.code : ErrorCode.INTERNAL, f.message, { conv: f.conv, counter: f.counter }));
        return;
      case 'unsubscribed':
        this.report(new MekongError(ErrorCode.NOT_MEMBER, `The relay ended a subscription (${f.code}).`, { conv: f.conv }));
        return;
      default:
        return;
    }
  }

  private resendTimer: ReturnType<typeof setTimeout> | null = null;

  /** The relay dropped some pushes: resend every outbox shortly (the relay deduplicates). */
  private scheduleResend(): void {
    if (this.resendTimer) return;
    this.resendTimer = setTimeout(() => {
      this.resendTimer = null;
      if (this.status === 'online') for (const r of this.run?.replicas.values() ?? []) r.resendOutbox();
    }, 1000);
    (this.resendTimer as { unref?: () => void }).unref?.();
  }

  private bumpHead(conv: string, seq: number): void {
    if (seq > (this.heads.get(conv) ?? 0)) this.heads.set(conv, seq);
  }

  private async adopt(c: ApiConversation): Promise<Replica> {
    const run = this.requireRun();
    const info: ConvInfo = { id: c.id, kind: 'direct', members: c.members.map((m) => m.userId) };
    const existing = run.replicas.get(c.id);
    if (existing && sameMembers(existing.members, info.members)) return existing;
    await this.opts.storage.put(K.convInfo(c.id), toBytes(info));
    for (const m of info.members) await this.profile(m).catch(() => undefined);
    return this.ensureReplica(info, true);
  }

  private async ensureReplica(info: ConvInfo, announce = false): Promise<Replica> {
    const run = this.requireRun();
    const existing = run.replicas.get(info.id);
    if (existing) {
      existing.members.splice(0, existing.members.length, ...info.members);
      return existing;
    }
    const replica = await Replica.open({
      info,
      storage: this.opts.storage,
      keys: run.keys,
      directory: run.directory,
      secrets: run.secrets,
      send: (f) => run.connection.send(f),
      now: this.now,
      onEntries: (conv, entries) => this.onEntries(conv, entries),
      report: (e) => this.report(e),
      ...(this.opts.snapshotEvery ? { snapshotEvery: this.opts.snapshotEvery } : {}),
    });
    run.replicas.set(info.id, replica);
    if (this.status === 'online') replica.onOnline();
    if (announce) for (const cb of this.listeners.convs) cb();
    return replica;
  }

  private onEntries(conv: string, entries: MessageEntry[]): void {
    for (const v of this.views.get(conv) ?? []) v.apply(entries);
    for (const cb of this.listeners.convs) cb();
  }

  private async view(replica: Replica): Promise<Conversation> {
    const peerId = replica.members.find((m) => m !== this.session!.userId) ?? this.session!.userId;
    const peer = await this.profile(peerId);
    const v = await ConversationView.open({
      replica,
      storage: this.opts.storage,
      selfId: this.session!.userId,
      peer,
      profileOf: (id) => this.profiles.get(id) ?? {},
      waitSynced: (t) => this.waitSynced(replica, t),
      onClose: (view) => this.views.get(replica.id)?.delete(view),
    });
    const set = this.views.get(replica.id) ?? new Set();
    set.add(v);
    this.views.set(replica.id, set);
    // reading a conversation marks it seen on this device
    const origMarkRead = v.markRead.bind(v);
    v.markRead = async () => {
      const [last] = await readEntries(this.opts.storage, replica.id, 1);
      if (last) await this.opts.storage.put(`conv/${replica.id}/seen`, toBytes(last.sentAt));
      await origMarkRead();
      for (const cb of this.listeners.convs) cb();
    };
    return v;
  }

  private async waitSynced(replica: Replica, timeoutMs: number): Promise<void> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      await replica.idle();
      const head = this.heads.get(replica.id) ?? 0;
      if (this.status === 'online' && this.syncedSinceOnline.has(replica.id) && replica.lastSeq >= head && (await replica.outboxSize()) === 0) {
        return;
      }
      if (this.now() > deadline) throw new MekongError(ErrorCode.TIMEOUT, 'Could not reach the relay in time; messages stay queued on this device.');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private async profile(userId: string): Promise<UserProfile> {
    const hit = this.profiles.get(userId);
    if (hit) return { id: userId, ...hit };
    const ident = await this.requireRun().directory.identity(userId);
    this.profiles.set(userId, { username: ident.username, displayName: ident.displayName });
    return { id: userId, username: ident.username, displayName: ident.displayName };
  }

  private remember(p: ApiProfile): UserProfile {
    this.profiles.set(p.id, { username: p.username, displayName: p.displayName });
    void this.run?.directory.pin(p);
    return { id: p.id, username: p.username, displayName: p.displayName };
  }

  private viewOf(conv: string, e: MessageEntry): MessageView {
    const p = this.profiles.get(e.author.user) ?? {};
    return { id: e.id, conversationId: conv, from: { userId: e.author.user, ...p }, mine: e.author.user === this.session?.userId, kind: e.kind, text: e.text, sentAt: e.sentAt, status: e.status };
  }

  private async saveTokens(t: Tokens): Promise<void> {
    this.tokens = t;
    if (this.session) await this.opts.storage.put(K.session, toBytes({ session: this.session, tokens: t }));
  }

  private report(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    for (const cb of this.listeners.problem) cb(e);
  }

  private requireRun(): Running {
    if (!this.run || !this.session) throw new MekongError(ErrorCode.UNAUTHENTICATED, 'Log in or register first.');
    return this.run;
  }

  private assertLoggedOut(): void {
    if (this.session) throw new MekongError(ErrorCode.CONFLICT, 'Already logged in on this device; log out first.');
  }
}

const isCode = (c: string): c is ErrorCode => Object.values(ErrorCode).includes(c as ErrorCode);
const sameMembers = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Reject unexpected failures as MekongError so callers handle one type. */
export function asMekongError(err: unknown): MekongError {
  return isMekongError(err) ? err : new MekongError(ErrorCode.INTERNAL, err instanceof Error ? err.message : String(err));
}
