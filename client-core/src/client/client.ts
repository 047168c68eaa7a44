// The Mekong client: session, conversations and the background sync that keeps them current.
import { type Down, ErrorCode, isMekongError, type MembershipEntry, type MembershipState, MekongError } from '@mekong/schema';
import { asSigningPublicKey, fromBase64url, randomId, safetyNumber, toBase64url } from '../crypto';
import { ApiClient, type ApiConversation, type ApiProfile, type Tokens } from '../http/api';
import { DeviceDirectory } from '../keys/directory';
import { KeyManager } from '../keys/manager';
import { type DeviceSecrets, decodeSecrets, encodeSecrets } from '../keys/secrets';
import { fromBytes, toBytes } from '../local/json';
import { K } from '../local/keys';
import { type ConvMembers, MembershipTracker, membersOf, provisionalMembers } from '../membership/tracker';
import type { StoragePort } from '../storage';
import { type ConnectionStatus, RelayConnection } from '../sync/connection';
import { type MessageEntry, readEntries } from '../sync/entries';
import { type ConvInfo, Replica } from '../sync/replica';
import type { Transport } from '../transport/port';
import { webSocketTransport } from '../transport/websocket';
import { EphemeralChannel, fetchPresence } from '../presence';
import { ConversationView } from './conversation-view';
import { login, register } from './session';
import { Social } from './social';
import type { Conversation, ConversationSummary, GroupInfo, GroupRole, MekongClient, MessageView, PresenceInfo, Session, UserProfile } from './types';

export interface ClientOptions {
  /** Base URL of the Mekong server, e.g. `https://chat.example.com` or `http://localhost:8787`. */
  server: string;
  /**
   * Base URL of the relay when it is served apart from the API, e.g. `https://sync.example.com`;
   * the client connects to `/sync` there. Default: `server`.
   */
  relay?: string;
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
  /** Periodic key rotation: a new epoch after this long (default 7 days) or this many updates in one epoch (default 10,000). */
  rotation?: { afterMs?: number; afterUpdates?: number };
}

const DAY = 24 * 60 * 60 * 1000;
const TRANSIENT = new Set<string>([ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT, ErrorCode.RATE_LIMITED]);

interface StoredSession {
  session: Session;
  tokens: Tokens;
}

interface Running {
  secrets: DeviceSecrets;
  directory: DeviceDirectory;
  keys: KeyManager;
  memberships: MembershipTracker;
  connection: RelayConnection;
  replicas: Map<string, Replica>;
  poll: ReturnType<typeof setInterval> | null;
  /** typing signals (encrypted, relayed, never stored) */
  ephemeral: EphemeralChannel;
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
  /** per conversation: users the server lists as members although the verified log does not */
  private readonly unverified = new Map<string, string[]>();
  /** Friends, requests, blocks, search and message requests. */
  readonly social: Social;

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
    this.social = new Social({ api: this.api, findUser: (u) => this.findUser(u), remember: (p) => this.remember(p) });
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
    await this.rotateAll(5000).catch(() => {});
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
    const me = this.session!.userId;
    const out: ConversationSummary[] = [];
    for (const r of run.replicas.values()) {
      const [last] = await readEntries(this.opts.storage, r.id, 1);
      const seen = await this.opts.storage.get(`conv/${r.id}/seen`);
      const seenAt = seen ? fromBytes<number>(seen) : 0;
      const recent = await readEntries(this.opts.storage, r.id, 100);
      const unread = recent.filter((e) => e.sentAt > seenAt && e.author.user !== me).length;
      const flagged = this.unverified.get(r.id);
      const base = { id: r.id, unread, ...(last ? { lastMessage: this.viewOf(r.id, last) } : {}), ...(flagged?.length ? { unverifiedMembers: flagged } : {}) };
      if (r.info.kind === 'group') {
        const group = await this.groupInfoOf(r.id);
        if (!group) continue;
        out.push({ ...base, kind: 'group', title: group.name, peer: { id: r.id, username: '', displayName: group.name }, group });
      } else {
        const peer = await this.profile(r.members.find((m) => m !== me) ?? me);
        out.push({ ...base, kind: 'direct', title: peer.displayName, peer });
      }
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
    const res = await this.api.call<{ conversation: ApiConversation; logLength: number }>('POST', '/api/conversations/direct', { peerUserId: peer.id });
    const replica = await this.adopt({ ...res.conversation, logLength: res.logLength });
    if (!replica) throw new MekongError(ErrorCode.FORBIDDEN, 'This conversation’s membership could not be verified.');
    const members = this.membersFor(replica.info);
    await run.keys.current(replica.id, members);
    await run.keys.shareWithNewDevices(replica.id, members);
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

  /**
   * The conversation's merged document as one encoded Yjs update, read after pending work is done.
   * Read-only; two replicas holding the same updates encode the same bytes (tests compare them).
   * @example const bytes = await (client as Client).encodedState(chat.id);
   */
  async encodedState(conversationId: string): Promise<Uint8Array> {
    const replica = this.requireRun().replicas.get(conversationId);
    if (!replica) throw new MekongError(ErrorCode.NOT_FOUND, 'No such conversation on this device.');
    await replica.idle();
    return (await replica.ensureDoc()).encodeState();
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
        const run = this.requireRun();
        const before = new Set(run.replicas.keys());
        const res = await this.api.call<{ conversations: ApiConversation[] }>('GET', '/api/conversations');
        const listed = new Set<string>();
        for (const c of res.conversations) {
          listed.add(c.id);
          try {
            await this.adopt(c);
          } catch (err) {
            if (isMekongError(err) && TRANSIENT.has(err.code)) throw err;
            this.report(err);
          }
        }
        // the server no longer lists us: we were removed, left on another device, or the group is gone
        for (const id of before) if (!listed.has(id)) await this.leaveLocally(id);
        await this.rotateDue();
      })().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  // ---- devices ------------------------------------------------------------------------------

  /** This user's devices, the one in use marked `current`. */
  async devices(): Promise<Array<{ id: string; createdAt: number; current: boolean }>> {
    this.requireRun();
    const res = await this.api.call<{ devices: Array<{ id: string; createdAt: number }> }>('GET', '/api/users/me/devices');
    return res.devices.map((d) => ({ id: d.id, createdAt: Number(d.createdAt), current: d.id === this.session!.deviceId }));
  }

  /**
   * Retire another device of this user (a lost phone): the server stops listing it and ends its
   * sessions, then every conversation moves to a new epoch whose key only the remaining devices get.
   */
  async removeDevice(deviceId: string): Promise<void> {
    const run = this.requireRun();
    if (deviceId === this.session!.deviceId) throw new MekongError(ErrorCode.BAD_REQUEST, 'This is the device in use; log out instead.');
    await this.api.call('DELETE', `/api/users/me/devices/${encodeURIComponent(deviceId)}`);
    for (const r of [...run.replicas.values()]) {
      if (!run.memberships.peek(r.id)?.members.has(this.session!.userId)) continue;
      await this.rotateKeys(r.id).catch((err) => this.report(err));
    }
  }

  /**
   * Presence of users, in the order given: a string is a username, `{ id }` a user id.
   * @example const [minh] = await client.presence(['minh']); // { userId, online, lastSeen }
   */
  async presence(users: Array<string | { id: string }>): Promise<PresenceInfo[]> {
    this.requireRun();
    const ids: string[] = [];
    for (const u of users) ids.push(typeof u === 'string' ? (await this.findUser(u)).id : u.id);
    return fetchPresence(this.api, ids);
  }

  // ---- groups -------------------------------------------------------------------------------

  /**
   * Create a group with the caller as owner. Members are usernames; each is pinned to the
   * identity key this device knows for them, inside the signed `create` entry.
   * @example const g = await client.createGroup({ name: 'Nhà mình', members: ['minh', 'hoa'] });
   */
  async createGroup(p: { name: string; members: string[]; description?: string; avatar?: string }): Promise<GroupInfo> {
    const run = this.requireRun();
    const me = this.session!;
    const name = p.name.trim();
    if (!name) throw new MekongError(ErrorCode.BAD_REQUEST, 'Give the group a name.');
    const others = new Map<string, UserProfile>();
    for (const u of p.members) {
      const prof = await this.findUser(u);
      if (prof.id !== me.userId) others.set(prof.id, prof);
    }
    const members = [{ user: me.userId, identityKey: toBase64url(run.secrets.identity.publicKey), role: 'owner' as const }];
    for (const prof of others.values()) members.push({ user: prof.id, identityKey: (await run.directory.identity(prof.id)).identityKey, role: 'member' as never });
    const id = randomId(16);
    const state = await run.memberships.create(id, { op: 'create', kind: 'group', members, epoch: 1 }, async (entry) => {
      await this.api.call('POST', '/api/groups', { name, ...(p.description ? { description: p.description } : {}), ...(p.avatar ? { avatar: p.avatar } : {}), entry });
    });
    const info: ConvInfo = { id, kind: 'group', members: [...state.members.keys()], name };
    await this.opts.storage.put(K.convInfo(id), toBytes(info));
    await this.ensureReplica(info, true);
    await run.keys.current(id, membersOf(state));
    return (await this.groupInfoOf(id))!;
  }

  /** Groups this device follows, as their verified logs say. */
  async groups(): Promise<GroupInfo[]> {
    const run = this.requireRun();
    const out: GroupInfo[] = [];
    for (const r of run.replicas.values()) {
      if (r.info.kind !== 'group') continue;
      const g = await this.groupInfoOf(r.id);
      if (g) out.push(g);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One group, after fetching and verifying any new membership entries. */
  async group(groupId: string): Promise<GroupInfo> {
    const run = this.requireRun();
    const r = run.replicas.get(groupId);
    if (r?.info.kind !== 'group') throw new MekongError(ErrorCode.NOT_FOUND, 'No such group on this device.');
    await run.memberships.sync(groupId);
    const g = await this.groupInfoOf(groupId);
    if (!g) throw new MekongError(ErrorCode.NOT_FOUND, 'No such group on this device.');
    return g;
  }

  /** Add a member (admins and the owner); the new member receives the current key and reads from now on. */
  async addMember(groupId: string, username: string, role: Exclude<GroupRole, 'owner'> = 'member'): Promise<GroupInfo> {
    const run = this.requireRun();
    const user = await this.findUser(username);
    const ident = await run.directory.identity(user.id);
    await this.prepareHistoryFor(groupId, `@${this.session!.username} added @${user.username}`);
    const { state } = await run.memberships.append(
      groupId,
      (s) => (s.members.has(user.id) ? null : { op: 'add', member: { user: user.id, identityKey: ident.identityKey, role } }),
      (entry) => this.postEntry(`/api/groups/${encodeURIComponent(groupId)}/members`, 'POST', entry),
    );
    this.onMembershipChanged(groupId, state);
    await run.keys.shareWithNewDevices(groupId, membersOf(state), [user.id]);
    return (await this.groupInfoOf(groupId))!;
  }

  /** Remove a member (admins and the owner): a new epoch starts and its key goes to the remaining members only. */
  async removeMember(groupId: string, username: string): Promise<GroupInfo> {
    const run = this.requireRun();
    const user = await this.findUser(username);
    const { state } = await run.memberships.append(
      groupId,
      (s) => (s.members.has(user.id) ? { op: 'remove', user: user.id, epoch: s.epoch + 1 } : null),
      (entry) => this.postEntry(`/api/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(user.id)}`, 'DELETE', entry),
    );
    this.onMembershipChanged(groupId, state);
    await run.keys.current(groupId, membersOf(state));
    return (await this.groupInfoOf(groupId))!;
  }

  /** Change a member's role (owner only); making someone else owner hands ownership over. */
  async setRole(groupId: string, username: string, role: GroupRole): Promise<GroupInfo> {
    const run = this.requireRun();
    const user = await this.findUser(username);
    const { state } = await run.memberships.append(
      groupId,
      (s) => (s.members.get(user.id)?.role === role ? null : { op: 'role', user: user.id, role }),
      (entry) => this.postEntry(`/api/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(user.id)}/role`, 'PUT', entry),
    );
    this.onMembershipChanged(groupId, state);
    return (await this.groupInfoOf(groupId))!;
  }

  /** Leave a group; the remaining members move to a new epoch this device never learns. */
  async leaveGroup(groupId: string): Promise<void> {
    const run = this.requireRun();
    const me = this.session!.userId;
    await run.memberships.append(
      groupId,
      (s) => (s.members.has(me) ? { op: 'leave', epoch: s.epoch + 1 } : null),
      (entry) => this.postEntry(`/api/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(me)}`, 'DELETE', entry),
    );
    await this.leaveLocally(groupId);
  }

  /** Rename a group or change its description (admins and the owner). */
  async updateGroup(groupId: string, p: { name?: string; description?: string | null; avatar?: string | null }): Promise<GroupInfo> {
    const run = this.requireRun();
    await this.api.call('PUT', `/api/groups/${encodeURIComponent(groupId)}`, p);
    const r = run.replicas.get(groupId);
    if (r && p.name) {
      r.info.name = p.name.trim();
      await this.opts.storage.put(K.convInfo(groupId), toBytes(r.info));
    }
    for (const cb of this.listeners.convs) cb();
    return this.group(groupId);
  }

  /** Delete a group for everyone (owner only). */
  async disbandGroup(groupId: string): Promise<void> {
    await this.api.call('DELETE', `/api/groups/${encodeURIComponent(groupId)}`);
    await this.leaveLocally(groupId);
  }

  /** Start a new key epoch now (any member may): keys held by devices that left open nothing sent later. */
  async rotateKeys(conversationId: string): Promise<number> {
    const run = this.requireRun();
    const before = await run.memberships.sync(conversationId);
    if (!before) throw new MekongError(ErrorCode.NOT_FOUND, 'This conversation has no membership log yet.');
    const { state } = await run.memberships.append(
      conversationId,
      (s) => (s.epoch === before.epoch ? { op: 'rotate', epoch: s.epoch + 1 } : null),
      (entry) => this.postEntry(`/api/conversations/${encodeURIComponent(conversationId)}/log`, 'POST', entry),
    );
    this.onMembershipChanged(conversationId, state);
    await run.keys.current(conversationId, membersOf(state));
    return state.epoch;
  }

  /**
   * Before someone joins: say so in the conversation, then upload a snapshot of the whole
   * history sealed under the current epoch, the one key the newcomer receives. Earlier updates
   * were sealed under older epochs they never get; the snapshot is how they read what came
   * before (and the document has every update a later one builds on). Best effort: without it
   * the newcomer reads only what is sent from now on.
   */
  private async prepareHistoryFor(conv: string, note: string): Promise<void> {
    const run = this.requireRun();
    const replica = run.replicas.get(conv);
    if (!replica) return;
    try {
      await replica.sendText(note, undefined, 'system');
      const deadline = this.now() + 5000;
      while ((await replica.outboxSize()) > 0 && this.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await replica.idle();
      if (await replica.snapshotNow()) await run.connection.roundTrip(5000);
    } catch (err) {
      this.report(err);
    }
  }

  private async postEntry(path: string, method: 'POST' | 'PUT' | 'DELETE', entry: MembershipEntry): Promise<void> {
    await this.api.call(method, path, { entry });
  }

  private onMembershipChanged(conv: string, state: MembershipState): void {
    const r = this.run?.replicas.get(conv);
    if (r) {
      r.info.members = [...state.members.keys()];
      void this.opts.storage.put(K.convInfo(conv), toBytes(r.info));
      r.retry();
    }
    for (const cb of this.listeners.convs) cb();
  }

  private async groupInfoOf(conv: string): Promise<GroupInfo | undefined> {
    const run = this.requireRun();
    const state = await run.memberships.get(conv).catch(() => undefined);
    const r = run.replicas.get(conv);
    if (!state || !r) return undefined;
    const me = this.session!.userId;
    const members: GroupInfo['members'] = [];
    for (const m of state.members.values()) {
      const p = this.profiles.get(m.user);
      members.push({ id: m.user, username: p?.username ?? '', displayName: p?.displayName ?? '', role: m.role });
    }
    const missing = members.filter((m) => !m.username).map((m) => m.id);
    if (missing.length) void this.loadProfiles(missing);
    return { id: conv, name: r.info.name ?? '', members, role: state.members.get(me)?.role ?? 'member', epoch: state.epoch };
  }

  private loadingProfiles = false;

  /** Fetch profiles of group members in the background, a few at a time, then tell the app. */
  private async loadProfiles(ids: string[]): Promise<void> {
    if (this.loadingProfiles) return;
    this.loadingProfiles = true;
    try {
      for (let i = 0; i < ids.length; i += 8) await Promise.all(ids.slice(i, i + 8).map((id) => this.profile(id).catch(() => undefined)));
      for (const cb of this.listeners.convs) cb();
    } finally {
      this.loadingProfiles = false;
    }
  }

  /** Rotate keys of conversations whose epoch is old or heavily used. */
  private async rotateDue(): Promise<void> {
    const run = this.run;
    if (!run) return;
    const afterMs = this.opts.rotation?.afterMs ?? 7 * DAY;
    const afterUpdates = this.opts.rotation?.afterUpdates ?? 10_000;
    for (const r of [...run.replicas.values()]) {
      const state = run.memberships.peek(r.id);
      if (!state?.members.has(this.session!.userId)) continue;
      const since = await run.memberships.epochSince(r.id);
      if (this.now() - since < afterMs && r.updatesInEpoch(state.epoch) < afterUpdates) continue;
      await this.rotateKeys(r.id).catch((err) => this.report(err));
    }
  }

  /** Before this device logs out: move every conversation to a new epoch (bounded in time). */
  private async rotateAll(budgetMs: number): Promise<void> {
    const run = this.run;
    if (!run || this.status !== 'online') return;
    const deadline = this.now() + budgetMs;
    for (const r of [...run.replicas.values()]) {
      if (this.now() > deadline) return;
      const before = run.memberships.peek(r.id);
      if (!before?.members.has(this.session!.userId)) continue;
      await run.memberships
        .append(
          r.id,
          (s) => (s.epoch === before.epoch ? { op: 'rotate', epoch: s.epoch + 1 } : null),
          (entry) => this.postEntry(`/api/conversations/${encodeURIComponent(r.id)}/log`, 'POST', entry),
        )
        .catch(() => undefined);
    }
  }

  /** Stop following a conversation; its history stays on this device. */
  private async leaveLocally(conv: string): Promise<void> {
    const run = this.run;
    const r = run?.replicas.get(conv);
    if (!run || !r) return;
    run.replicas.delete(conv);
    await r.idle().catch(() => {});
    r.close();
    run.connection.send({ type: 'unsubscribe', conv });
    await this.opts.storage.put(K.convInfo(conv), toBytes({ ...r.info, left: true }));
    for (const cb of this.listeners.convs) cb();
  }

  /** Members for the crypto of one conversation: the verified log, or the two of a direct conversation not yet logged. */
  private membersFor(info: ConvInfo, run: Running | null = this.run): ConvMembers {
    const state = run?.memberships.peek(info.id);
    if (state) return membersOf(state);
    return provisionalMembers(info.kind === 'direct' ? info.members : []);
  }

  /** Sign and post the `create` entry of a direct conversation (either member may; the first wins). */
  private async startDirectLog(c: ApiConversation): Promise<MembershipState> {
    const run = this.requireRun();
    const me = this.session!.userId;
    const peer = c.members.find((m) => m.userId !== me)!.userId;
    const peerKey = (await run.directory.identity(peer)).identityKey;
    return run.memberships.create(
      c.id,
      {
        op: 'create',
        kind: 'direct',
        members: [
          { user: me, identityKey: toBase64url(run.secrets.identity.publicKey), role: 'owner' },
          { user: peer, identityKey: peerKey, role: 'member' },
        ],
        epoch: 1,
      },
      (entry) => this.postEntry(`/api/conversations/${encodeURIComponent(c.id)}/log`, 'POST', entry),
    );
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
    const directory = new DeviceDirectory(this.api, this.opts.storage, (e) => this.report(e));
    const keys = new KeyManager(secrets, this.opts.storage, this.api, directory, (e) => this.report(e));
    const memberships = new MembershipTracker(this.api, this.opts.storage, secrets, this.now);
    const url = new URL('/sync', this.opts.relay ?? this.opts.server);
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
    const replicas = new Map<string, Replica>();
    const ephemeral = new EphemeralChannel({
      userId: secrets.userId,
      deviceId: secrets.deviceId,
      signSecretKey: secrets.device.signSecretKey,
      members: (conv) => {
        const r = replicas.get(conv);
        return r && this.membersFor(r.info);
      },
      device: (id, candidates) => directory.device(id, candidates),
      epochKey: (conv, epoch, members) => keys.epochKey(conv, epoch, members),
      profile: (id) => this.profile(id),
      send: (f) => connection.send(f),
      now: this.now,
      report: (e) => this.report(e),
    });
    this.run = { secrets, directory, keys, memberships, connection, replicas, poll: null, ephemeral };
    for (const [k, v] of await this.opts.storage.range(K.convPrefix)) {
      if (!k.endsWith('/info')) continue;
      const info = fromBytes<ConvInfo & { left?: boolean }>(v);
      if (info.left) continue;
      await memberships.get(info.id).catch((err) => this.report(err));
      await this.ensureReplica(info);
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
    run.ephemeral.close();
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
      case 'ephemeral':
        run.ephemeral.receive(f.conv, f.envelope);
        return;
      case 'unsubscribed':
        this.report(new MekongError(ErrorCode.NOT_MEMBER, `The relay ended a subscription (${f.code}).`, { conv: f.conv }));
        // removed, left elsewhere, blocked or disbanded: learn which from the server's list now
        this.refreshConversations().catch((e) => this.report(e));
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

  /**
   * Follow a conversation the server lists: verify its membership log (fetching what is new),
   * start the log of a direct conversation nobody has started, flag members the server lists
   * but the log does not, and make sure this device holds the key of the log's current epoch.
   */
  private async adopt(c: ApiConversation): Promise<Replica | undefined> {
    const run = this.requireRun();
    const me = this.session!.userId;
    let state: MembershipState | undefined;
    try {
      state = await run.memberships.sync(c.id, c.logLength);
    } catch (err) {
      if (isMekongError(err) && TRANSIENT.has(err.code)) throw err;
      // the server served entries that do not verify: keep the last verified state and say so
      this.report(new MekongError(isMekongError(err) ? err.code : ErrorCode.FORBIDDEN, `The membership log of a conversation did not verify: ${(err as Error).message}`, { conv: c.id }));
      state = run.memberships.peek(c.id);
    }
    if (!state && c.kind === 'direct' && c.members.length === 2 && c.members.some((m) => m.userId === me)) {
      state = await this.startDirectLog(c);
    }
    if (!state) {
      if (c.kind === 'group') return undefined; // a group without a verified log is not joined
    } else if (!state.members.has(me)) {
      await this.leaveLocally(c.id);
      return undefined;
    }
    const serverOnly = state ? c.members.map((m) => m.userId).filter((u) => !state.members.has(u)) : [];
    const wasFlagged = this.unverified.get(c.id)?.join() ?? '';
    if (serverOnly.length) this.unverified.set(c.id, serverOnly);
    else this.unverified.delete(c.id);
    if (serverOnly.length && serverOnly.join() !== wasFlagged) {
      this.report(new MekongError(ErrorCode.FORBIDDEN, 'The server lists members that the signed membership log does not name; they get no keys.', { conv: c.id, users: serverOnly }));
    }
    const info: ConvInfo = { id: c.id, kind: c.kind, members: state ? [...state.members.keys()] : c.members.map((m) => m.userId), ...(c.name ? { name: c.name } : {}) };
    const existing = run.replicas.get(c.id);
    const changed = !existing || !sameMembers(existing.members, info.members) || existing.info.name !== info.name;
    if (changed) {
      await this.opts.storage.put(K.convInfo(c.id), toBytes(info));
      if (info.kind === 'direct') for (const m of info.members) await this.profile(m).catch(() => undefined);
    }
    const replica = existing ?? (await this.ensureReplica(info, true));
    if (existing && changed) {
      existing.info.members = info.members;
      if (info.name) existing.info.name = info.name;
      for (const cb of this.listeners.convs) cb();
    }
    if (state && !(await run.keys.has(c.id, state.epoch))) {
      // a removal, leave or rotation started an epoch: fetch its key, or make it if nobody has
      await run.keys.current(c.id, membersOf(state));
      replica.retry();
    }
    return replica;
  }

  private readonly openingReplicas = new Map<string, Promise<Replica>>();

  private async ensureReplica(info: ConvInfo, announce = false): Promise<Replica> {
    const run = this.requireRun();
    const existing = run.replicas.get(info.id) ?? (await this.openingReplicas.get(info.id));
    if (existing) {
      existing.info.members = info.members;
      return existing;
    }
    // one Replica per conversation: a second one (openDirect racing the poll) would write the same
    // stored document update slots and lose updates
    const opening = Replica.open({
      info,
      // the replica's own run: work queued before a close still sees the verified members
      members: () => this.membersFor(info, run),
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
    this.openingReplicas.set(info.id, opening);
    const replica = await opening.finally(() => this.openingReplicas.delete(info.id));
    run.replicas.set(info.id, replica);
    if (this.status === 'online') replica.onOnline();
    if (announce) for (const cb of this.listeners.convs) cb();
    return replica;
  }

  private onEntries(conv: string, entries: MessageEntry[]): void {
    this.run?.ephemeral.messagesFrom(conv, entries.map((e) => e.author.user));
    for (const v of this.views.get(conv) ?? []) v.apply(entries);
    for (const cb of this.listeners.convs) cb();
  }

  private async view(replica: Replica): Promise<Conversation> {
    const me = this.session!.userId;
    const peer =
      replica.info.kind === 'group'
        ? { id: replica.id, username: '', displayName: replica.info.name ?? '' }
        : await this.profile(replica.members.find((m) => m !== me) ?? me);
    const v = await ConversationView.open({
      replica,
      storage: this.opts.storage,
      selfId: this.session!.userId,
      peer,
      profileOf: (id) => this.profiles.get(id) ?? {},
      waitSynced: (t) => this.waitSynced(replica, t),
      onClose: (view) => this.views.get(replica.id)?.delete(view),
      typing: { signal: (active) => this.run?.ephemeral.typing(replica.id, active), subscribe: (cb) => this.requireRun().ephemeral.onTyping(replica.id, cb) },
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
