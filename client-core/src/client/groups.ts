// Groups and devices: every membership change is an entry signed by this device on top of the
// verified log; removals, leaves and retired devices start a new key epoch; periodic rotation.
import { ErrorCode, type MembershipEntry, type MembershipState, MekongError } from '@mekong/schema';
import { randomId, toBase64url } from '../crypto';
import { toBytes } from '../local/json';
import { K } from '../local/keys';
import { membersOf } from '../membership/tracker';
import type { ConvInfo } from '../sync/replica';
import type { ClientContext } from './context';
import type { Following } from './following';
import type { GroupInfo, GroupRole, UserProfile } from './types';

const DAY = 24 * 60 * 60 * 1000;

/**
 * The group and device operations of `MekongClient`.
 * @example
 * const groups = new Groups(ctx, following);
 * const g = await groups.create({ name: 'Nhà mình', members: ['minh', 'hoa'] });
 * await groups.removeMember(g.id, 'hoa'); // new epoch, its key for Minh and the owner only
 */
export class Groups {
  private loadingProfiles = false;

  constructor(
    private readonly ctx: ClientContext,
    private readonly following: Following,
  ) {}

  /** Create a group with the caller as owner, each member pinned to the identity key this device knows, inside the signed `create` entry. */
  async create(p: { name: string; members: string[]; description?: string; avatar?: string }): Promise<GroupInfo> {
    const run = this.ctx.requireRun();
    const me = this.ctx.session();
    const name = p.name.trim();
    if (!name) throw new MekongError(ErrorCode.BAD_REQUEST, 'Give the group a name.');
    const others = new Map<string, UserProfile>();
    // one round trip for the whole list: a group of 1,000 used to cost 999 lookups in a row
    for (const prof of p.members.length > 0 ? await this.ctx.findUsers(p.members) : []) {
      if (prof.id !== me.userId) others.set(prof.id, prof);
    }
    const members = [{ user: me.userId, identityKey: toBase64url(run.secrets.identity.publicKey), role: 'owner' as const }];
    for (const prof of others.values()) members.push({ user: prof.id, identityKey: (await run.directory.identity(prof.id)).identityKey, role: 'member' as never });
    const id = randomId(16);
    const state = await run.memberships.create(id, { op: 'create', kind: 'group', members, epoch: 1 }, async (entry) => {
      await this.ctx.api.call('POST', '/api/groups', { name, ...(p.description ? { description: p.description } : {}), ...(p.avatar ? { avatar: p.avatar } : {}), entry });
    });
    const info: ConvInfo = { id, kind: 'group', members: [...state.members.keys()], name };
    await this.ctx.opts.storage.put(K.convInfo(id), toBytes(info));
    await this.following.ensureReplica(info, true);
    await run.keys.current(id, membersOf(state));
    return (await this.infoOf(id))!;
  }

  /** Groups this device follows, as their verified logs say. */
  async list(): Promise<GroupInfo[]> {
    const run = this.ctx.requireRun();
    const out: GroupInfo[] = [];
    for (const r of run.replicas.values()) {
      if (r.info.kind !== 'group') continue;
      const g = await this.infoOf(r.id);
      if (g) out.push(g);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One group, after fetching and verifying any new membership entries. */
  async get(groupId: string): Promise<GroupInfo> {
    const run = this.ctx.requireRun();
    const r = run.replicas.get(groupId);
    if (r?.info.kind !== 'group') throw new MekongError(ErrorCode.NOT_FOUND, 'No such group on this device.');
    await run.memberships.sync(groupId);
    const g = await this.infoOf(groupId);
    if (!g) throw new MekongError(ErrorCode.NOT_FOUND, 'No such group on this device.');
    return g;
  }

  /** Add a member (admins and the owner); the new member receives the current key and reads from now on. */
  async addMember(groupId: string, username: string, role: Exclude<GroupRole, 'owner'> = 'member'): Promise<GroupInfo> {
    const run = this.ctx.requireRun();
    const user = await this.ctx.findUser(username);
    const ident = await run.directory.identity(user.id);
    await this.prepareHistoryFor(groupId, `@${this.ctx.session().username} added @${user.username}`);
    const { state } = await run.memberships.append(
      groupId,
      (s) => (s.members.has(user.id) ? null : { op: 'add', member: { user: user.id, identityKey: ident.identityKey, role } }),
      (entry) => this.postEntry(`/api/groups/${encodeURIComponent(groupId)}/members`, 'POST', entry),
    );
    this.onMembershipChanged(groupId, state);
    await run.keys.shareWithNewDevices(groupId, membersOf(state), [user.id]);
    return (await this.infoOf(groupId))!;
  }

  /** Remove a member (admins and the owner): a new epoch starts and its key goes to the remaining members only. */
  async removeMember(groupId: string, username: string): Promise<GroupInfo> {
    const run = this.ctx.requireRun();
    const user = await this.ctx.findUser(username);
    const { state } = await run.memberships.append(
      groupId,
      (s) => (s.members.has(user.id) ? { op: 'remove', user: user.id, epoch: s.epoch + 1 } : null),
      (entry) => this.postEntry(`/api/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(user.id)}`, 'DELETE', entry),
    );
    this.onMembershipChanged(groupId, state);
    await run.keys.current(groupId, membersOf(state));
    return (await this.infoOf(groupId))!;
  }

  /** Change a member's role (owner only); making someone else owner hands ownership over. */
  async setRole(groupId: string, username: string, role: GroupRole): Promise<GroupInfo> {
    const run = this.ctx.requireRun();
    const user = await this.ctx.findUser(username);
    const { state } = await run.memberships.append(
      groupId,
      (s) => (s.members.get(user.id)?.role === role ? null : { op: 'role', user: user.id, role }),
      (entry) => this.postEntry(`/api/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(user.id)}/role`, 'PUT', entry),
    );
    this.onMembershipChanged(groupId, state);
    return (await this.infoOf(groupId))!;
  }

  /** Leave a group; the remaining members move to a new epoch this device never learns. */
  async leave(groupId: string): Promise<void> {
    const run = this.ctx.requireRun();
    const me = this.ctx.session().userId;
    await run.memberships.append(
      groupId,
      (s) => (s.members.has(me) ? { op: 'leave', epoch: s.epoch + 1 } : null),
      (entry) => this.postEntry(`/api/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(me)}`, 'DELETE', entry),
    );
    await this.following.leaveLocally(groupId);
  }

  /** Rename a group or change its description (admins and the owner). */
  async update(groupId: string, p: { name?: string; description?: string | null; avatar?: string | null }): Promise<GroupInfo> {
    const run = this.ctx.requireRun();
    await this.ctx.api.call('PUT', `/api/groups/${encodeURIComponent(groupId)}`, p);
    const r = run.replicas.get(groupId);
    if (r && p.name) {
      r.info.name = p.name.trim();
      await this.ctx.opts.storage.put(K.convInfo(groupId), toBytes(r.info));
    }
    this.ctx.conversationsChanged();
    return this.get(groupId);
  }

  /** Delete a group for everyone (owner only). */
  async disband(groupId: string): Promise<void> {
    await this.ctx.api.call('DELETE', `/api/groups/${encodeURIComponent(groupId)}`);
    await this.following.leaveLocally(groupId);
  }

  /** Start a new key epoch now (any member may): keys held by devices that left open nothing sent later. */
  async rotateKeys(conversationId: string): Promise<number> {
    const run = this.ctx.requireRun();
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

  /** This user's devices, the one in use marked `current`. */
  async devices(): Promise<Array<{ id: string; createdAt: number; current: boolean }>> {
    this.ctx.requireRun();
    const res = await this.ctx.api.call<{ devices: Array<{ id: string; createdAt: number }> }>('GET', '/api/users/me/devices');
    return res.devices.map((d) => ({ id: d.id, createdAt: Number(d.createdAt), current: d.id === this.ctx.session().deviceId }));
  }

  /**
   * Retire another device of this user (a lost phone): the server stops listing it and ends its
   * sessions, then every conversation moves to a new epoch whose key only the remaining devices get.
   */
  async removeDevice(deviceId: string): Promise<void> {
    const run = this.ctx.requireRun();
    if (deviceId === this.ctx.session().deviceId) throw new MekongError(ErrorCode.BAD_REQUEST, 'This is the device in use; log out instead.');
    await this.ctx.api.call('DELETE', `/api/users/me/devices/${encodeURIComponent(deviceId)}`);
    for (const r of [...run.replicas.values()]) {
      if (!run.memberships.peek(r.id)?.members.has(this.ctx.session().userId)) continue;
      await this.rotateKeys(r.id).catch((err) => this.ctx.report(err));
    }
  }

  /** A followed group as its verified log says; undefined for a conversation without a log or replica. */
  async infoOf(conv: string): Promise<GroupInfo | undefined> {
    const run = this.ctx.requireRun();
    const state = await run.memberships.get(conv).catch(() => undefined);
    const r = run.replicas.get(conv);
    if (!state || !r) return undefined;
    const me = this.ctx.session().userId;
    const members: GroupInfo['members'] = [];
    for (const m of state.members.values()) {
      const p = this.ctx.knownProfile(m.user);
      members.push({ id: m.user, username: p?.username ?? '', displayName: p?.displayName ?? '', role: m.role });
    }
    const missing = members.filter((m) => !m.username).map((m) => m.id);
    if (missing.length) void this.loadProfiles(missing);
    return { id: conv, name: r.info.name ?? '', members, role: state.members.get(me)?.role ?? 'member', epoch: state.epoch };
  }

  /** Rotate keys of conversations whose epoch is old or heavily used. */
  async rotateDue(): Promise<void> {
    const run = this.ctx.run();
    if (!run) return;
    const afterMs = this.ctx.opts.rotation?.afterMs ?? 7 * DAY;
    const afterUpdates = this.ctx.opts.rotation?.afterUpdates ?? 10_000;
    for (const r of [...run.replicas.values()]) {
      const state = run.memberships.peek(r.id);
      if (!state?.members.has(this.ctx.session().userId)) continue;
      const since = await run.memberships.epochSince(r.id);
      if (this.ctx.now() - since < afterMs && r.updatesInEpoch(state.epoch) < afterUpdates) continue;
      await this.rotateKeys(r.id).catch((err) => this.ctx.report(err));
    }
  }

  /** Before this device logs out: move every conversation to a new epoch (bounded in time). */
  async rotateAll(budgetMs: number): Promise<void> {
    const run = this.ctx.run();
    if (!run || this.ctx.status() !== 'online') return;
    const deadline = this.ctx.now() + budgetMs;
    for (const r of [...run.replicas.values()]) {
      if (this.ctx.now() > deadline) return;
      const before = run.memberships.peek(r.id);
      if (!before?.members.has(this.ctx.session().userId)) continue;
      await run.memberships
        .append(
          r.id,
          (s) => (s.epoch === before.epoch ? { op: 'rotate', epoch: s.epoch + 1 } : null),
          (entry) => this.postEntry(`/api/conversations/${encodeURIComponent(r.id)}/log`, 'POST', entry),
        )
        .catch(() => undefined);
    }
  }

  /**
   * Before someone joins: say so in the conversation, then upload a snapshot of the whole
   * history sealed under the current epoch, the one key the newcomer receives. Earlier updates
   * were sealed under older epochs they never get; the snapshot is how they read what came
   * before (and the document has every update a later one builds on). Best effort: without it
   * the newcomer reads only what is sent from now on.
   */
  private async prepareHistoryFor(conv: string, note: string): Promise<void> {
    const run = this.ctx.requireRun();
    const replica = run.replicas.get(conv);
    if (!replica) return;
    try {
      await replica.sendText(note, undefined, 'system');
      const deadline = this.ctx.now() + 5000;
      while ((await replica.outboxSize()) > 0 && this.ctx.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await replica.idle();
      if (await replica.snapshotNow()) await run.connection.roundTrip(5000);
    } catch (err) {
      this.ctx.report(err);
    }
  }

  private async postEntry(path: string, method: 'POST' | 'PUT' | 'DELETE', entry: MembershipEntry): Promise<void> {
    await this.ctx.api.call(method, path, { entry });
  }

  private onMembershipChanged(conv: string, state: MembershipState): void {
    const r = this.ctx.run()?.replicas.get(conv);
    if (r) {
      r.info.members = [...state.members.keys()];
      void this.ctx.opts.storage.put(K.convInfo(conv), toBytes(r.info));
      r.retry();
    }
    this.ctx.conversationsChanged();
  }

  /** Fetch profiles of group members in the background, a few at a time, then tell the app. */
  private async loadProfiles(ids: string[]): Promise<void> {
    if (this.loadingProfiles) return;
    this.loadingProfiles = true;
    try {
      for (let i = 0; i < ids.length; i += 8) await Promise.all(ids.slice(i, i + 8).map((id) => this.ctx.profile(id).catch(() => undefined)));
      this.ctx.conversationsChanged();
    } finally {
      this.loadingProfiles = false;
    }
  }
}
