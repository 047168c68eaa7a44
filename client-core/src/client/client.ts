// The Mekong client: session, conversations and the background sync that keeps them current.
// Groups and devices live in groups.ts, followed conversations in following.ts, the conversation
// list and open views in views.ts, the running services and relay frame routing in runtime.ts.
import { ErrorCode, isMekongError, MAX_USERNAME_BATCH, MekongError, type UsernameBatchResponse } from '@mekong/schema';
import { asSigningPublicKey, fromBase64url, safetyNumber } from '../crypto';
import { ApiClient, type ApiConversation, type ApiProfile, type Tokens } from '../http/api';
import { type DeviceSecrets, decodeSecrets, encodeSecrets } from '../keys/secrets';
import { fromBytes, toBytes } from '../local/json';
import { K } from '../local/keys';
import { fetchPresence } from '../presence';
import type { ConnectionStatus } from '../sync/connection';
import type { ClientContext, ClientOptions, Running } from './context';
import { Following } from './following';
import { Groups } from './groups';
import { Refresher } from './refresher';
import { createRunning, FrameRouter, startSyncSoon, stopRunning } from './runtime';
import { Views } from './views';
import { login, register } from './session';
import { Social } from './social';
import type { Conversation, ConversationSummary, GroupInfo, GroupRole, MekongClient, PresenceInfo, Session, UserProfile } from './types';

export type { ClientOptions } from './context';

interface StoredSession {
  session: Session;
  tokens: Tokens;
}

export class Client implements MekongClient {
  session: Session | null = null;
  private tokens: Tokens | null = null;
  readonly api: ApiClient;
  private run: Running | null = null;
  private readonly profiles = new Map<string, { username: string; displayName: string }>();
  private readonly listeners = { convs: new Set<() => void>(), status: new Set<(s: ConnectionStatus) => void>(), problem: new Set<(e: Error) => void>() };
  private readonly now: () => number;
  private readonly list: Refresher;
  private readonly ctx: ClientContext;
  private readonly following: Following;
  private readonly frames: FrameRouter;
  private readonly groupOps: Groups;
  private readonly views: Views;
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
    this.ctx = {
      opts,
      api: this.api,
      now: this.now,
      run: () => this.run,
      requireRun: () => this.requireRun(),
      session: () => this.session!,
      status: () => this.status,
      findUser: (u) => this.findUser(u),
      findUsers: (u) => this.findUsers(u),
      profile: (id) => this.profile(id),
      knownProfile: (id) => this.profiles.get(id),
      report: (e) => this.report(e),
      conversationsChanged: () => {
        for (const cb of this.listeners.convs) cb();
      },
      refreshConversations: (o) => this.refreshConversations(o),
    };
    this.following = new Following(this.ctx, (conv, entries) => this.views.apply(conv, entries));
    this.list = new Refresher(
      async () => {
        await this.following.refresh();
        await this.groupOps.rotateDue();
      },
      () => this.run !== null,
    );
    this.frames = new FrameRouter(this.ctx, this.listeners.status);
    this.groupOps = new Groups(this.ctx, this.following);
    this.views = new Views(this.ctx, this.following, this.groupOps, (replica, ms) => this.frames.waitSynced(replica, ms));
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
    const est = await register(this.api, (t) => this.saveTokens(t), p, this.now, this.opts.derivePassword);
    return this.establish(est);
  }

  async login(p: { username: string; password: string }): Promise<Session> {
    this.assertLoggedOut();
    const k = await this.opts.storage.get(K.deviceKeys);
    const est = await login(this.api, (t) => this.saveTokens(t), p, k ? decodeSecrets(k) : null, this.now, this.opts.derivePassword);
    return this.establish(est);
  }

  async logout(): Promise<void> {
    if (!this.session) return;
    await this.groupOps.rotateAll(5000).catch(() => {});
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

  /**
   * Many users by username, in as few round trips as the server allows (1,000 names each), every
   * one remembered and its identity key pinned like findUser's. Answers in the order asked, each
   * user once.
   * @throws MekongError NOT_FOUND naming every username nobody holds (`details.usernames`), BAD_REQUEST for an empty name
   */
  async findUsers(usernames: string[]): Promise<UserProfile[]> {
    const wanted = [...new Set(usernames.map((n) => n.trim().toLowerCase().replace(/^@/, '')))];
    if (wanted.some((u) => !u)) throw new MekongError(ErrorCode.BAD_REQUEST, 'Type a username.');
    const found = new Map<string, ApiProfile>();
    const missing: string[] = [];
    for (let i = 0; i < wanted.length; i += MAX_USERNAME_BATCH) {
      const res = await this.api.call<UsernameBatchResponse>('POST', '/api/users/by-username', { usernames: wanted.slice(i, i + MAX_USERNAME_BATCH) });
      for (const p of res.users) found.set(p.username, p);
      missing.push(...res.missing);
    }
    if (missing.length > 0) {
      const names = missing.map((u) => `@${u}`).join(', ');
      throw new MekongError(ErrorCode.NOT_FOUND, missing.length === 1 ? `There is no user ${names}.` : `There are no users ${names}.`, { usernames: missing });
    }
    const profiles = wanted.map((u) => found.get(u)).filter((p): p is ApiProfile => p !== undefined);
    // pinned before answering: a caller that reads the identity next must find it on this device
    await Promise.all(profiles.map((p) => this.run?.directory.pin(p)));
    return profiles.map((p) => this.remember(p, false));
  }

  conversations(): Promise<ConversationSummary[]> {
    return this.views.summaries();
  }

  onConversationsChanged(cb: () => void): () => void {
    this.listeners.convs.add(cb);
    return () => this.listeners.convs.delete(cb);
  }

  async openDirect(username: string): Promise<Conversation> {
    const run = this.requireRun();
    const peer = await this.findUser(username);
    const res = await this.api.call<{ conversation: ApiConversation; logLength: number }>('POST', '/api/conversations/direct', { peerUserId: peer.id });
    const replica = await this.following.adopt({ ...res.conversation, logLength: res.logLength });
    if (!replica) throw new MekongError(ErrorCode.FORBIDDEN, 'This conversation’s membership could not be verified.');
    const members = this.following.membersFor(replica.info);
    await run.keys.current(replica.id, members);
    await run.keys.shareWithNewDevices(replica.id, members);
    return this.views.open(replica);
  }

  async open(conversationId: string): Promise<Conversation> {
    const replica = this.requireRun().replicas.get(conversationId);
    if (!replica) throw new MekongError(ErrorCode.NOT_FOUND, 'No such conversation on this device.');
    return this.views.open(replica);
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

  /**
   * Fetch the conversation list from the server and follow any new ones. Joins a refresh in flight,
   * or with `fresh` waits for one that starts after this call (see Refresher).
   * @example await client.refreshConversations({ fresh: true }); // after being told the list changed
   */
  refreshConversations(opts: { fresh?: boolean } = {}): Promise<void> {
    return this.list.refresh(opts.fresh);
  }

  // ---- groups and devices (groups.ts) -------------------------------------------------------

  devices(): Promise<Array<{ id: string; createdAt: number; current: boolean }>> {
    return this.groupOps.devices();
  }

  removeDevice(deviceId: string): Promise<void> {
    return this.groupOps.removeDevice(deviceId);
  }

  createGroup(p: { name: string; members: string[]; description?: string; avatar?: string }): Promise<GroupInfo> {
    return this.groupOps.create(p);
  }

  groups(): Promise<GroupInfo[]> {
    return this.groupOps.list();
  }

  group(groupId: string): Promise<GroupInfo> {
    return this.groupOps.get(groupId);
  }

  addMember(groupId: string, username: string, role: Exclude<GroupRole, 'owner'> = 'member'): Promise<GroupInfo> {
    return this.groupOps.addMember(groupId, username, role);
  }

  removeMember(groupId: string, username: string): Promise<GroupInfo> {
    return this.groupOps.removeMember(groupId, username);
  }

  setRole(groupId: string, username: string, role: GroupRole): Promise<GroupInfo> {
    return this.groupOps.setRole(groupId, username, role);
  }

  leaveGroup(groupId: string): Promise<void> {
    return this.groupOps.leave(groupId);
  }

  updateGroup(groupId: string, p: { name?: string; description?: string | null; avatar?: string | null }): Promise<GroupInfo> {
    return this.groupOps.update(groupId, p);
  }

  disbandGroup(groupId: string): Promise<void> {
    return this.groupOps.disband(groupId);
  }

  rotateKeys(conversationId: string): Promise<number> {
    return this.groupOps.rotateKeys(conversationId);
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

  // ---- lifecycle ------------------------------------------------------------------------------

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
    this.run = createRunning(this.ctx, secrets, this.frames, (info) => this.following.membersFor(info));
    await this.following.loadStored();
    startSyncSoon(this.ctx, this.run);
  }

  private async stop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = null;
    this.following.stop();
    await stopRunning(run);
  }

  // ---- profiles -----------------------------------------------------------------------------

  private async profile(userId: string): Promise<UserProfile> {
    const hit = this.profiles.get(userId);
    if (hit) return { id: userId, ...hit };
    const ident = await this.requireRun().directory.identity(userId);
    this.profiles.set(userId, { username: ident.username, displayName: ident.displayName });
    return { id: userId, username: ident.username, displayName: ident.displayName };
  }

  private remember(p: ApiProfile, pin = true): UserProfile {
    this.profiles.set(p.id, { username: p.username, displayName: p.displayName });
    if (pin) void this.run?.directory.pin(p);
    return { id: p.id, username: p.username, displayName: p.displayName };
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

/** Reject unexpected failures as MekongError so callers handle one type. */
export function asMekongError(err: unknown): MekongError {
  return isMekongError(err) ? err : new MekongError(ErrorCode.INTERNAL, err instanceof Error ? err.message : String(err));
}
