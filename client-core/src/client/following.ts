// The conversations this device follows: one Replica each, adopted from the server's list only
// after their signed membership log verifies, and dropped when the server stops listing us.
import { ErrorCode, isMekongError, type MembershipState, MekongError } from '@mekong/schema';
import { toBase64url } from '../crypto';
import type { ApiConversation } from '../http/api';
import { fromBytes, toBytes } from '../local/json';
import { K } from '../local/keys';
import { type ConvMembers, membersOf, provisionalMembers } from '../membership/tracker';
import type { MessageEntry } from '../sync/entries';
import { type ConvInfo, Replica } from '../sync/replica';
import type { ClientContext, Running } from './context';
import { Spaced } from './spaced';

export const TRANSIENT = new Set<string>([ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT, ErrorCode.RATE_LIMITED]);

const sameMembers = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * @example
 * const following = new Following(ctx, (conv, entries) => render(conv, entries));
 * await following.loadStored();                      // at start: what this device already follows
 * const replica = await following.adopt(listedByServer);
 */
/** Least time between two list re-reads caused by updates put aside (see Following.onParked). */
const PARKED_REFRESH_MS = 2000;

export class Following {
  /** per conversation: users the server lists as members although the verified log does not */
  readonly unverified = new Map<string, string[]>();
  private readonly opening = new Map<string, Promise<Replica>>();
  /** The list re-reads caused by updates put aside (see onParked). */
  private readonly parkedRefresh: Spaced;

  constructor(
    private readonly ctx: ClientContext,
    private readonly onEntries: (conv: string, entries: MessageEntry[]) => void,
  ) {
    this.parkedRefresh = new Spaced(
      () => {
        if (!this.ctx.run()) return; // logged out or closed meanwhile
        this.ctx.refreshConversations({ fresh: true }).catch((e) => this.ctx.report(e));
      },
      PARKED_REFRESH_MS,
      () => this.ctx.now(),
    );
  }

  /** Open a replica for every conversation stored on this device and not left. */
  async loadStored(): Promise<void> {
    const run = this.ctx.requireRun();
    for (const [k, v] of await this.ctx.opts.storage.range(K.convPrefix)) {
      if (!k.endsWith('/info')) continue;
      const info = fromBytes<ConvInfo & { left?: boolean }>(v);
      if (info.left) continue;
      await run.memberships.get(info.id).catch((err) => this.ctx.report(err));
      await this.ensureReplica(info);
    }
  }

  /** Fetch the conversation list from the server, follow any new ones, drop those no longer listed. */
  async refresh(): Promise<void> {
    const run = this.ctx.requireRun();
    const before = new Set(run.replicas.keys());
    const res = await this.ctx.api.call<{ conversations: ApiConversation[] }>('GET', '/api/conversations');
    const listed = new Set<string>();
    for (const c of res.conversations) {
      listed.add(c.id);
      try {
        await this.adopt(c);
      } catch (err) {
        if (isMekongError(err) && TRANSIENT.has(err.code)) throw err;
        this.ctx.report(err);
      }
    }
    // the server no longer lists us: we were removed, left on another device, or the group is gone
    for (const id of before) if (!listed.has(id)) await this.leaveLocally(id);
  }

  /**
   * Follow a conversation the server lists: verify its membership log (fetching what is new),
   * start the log of a direct conversation nobody has started, flag members the server lists
   * but the log does not, and make sure this device holds the key of the log's current epoch.
   */
  async adopt(c: ApiConversation): Promise<Replica | undefined> {
    const run = this.ctx.requireRun();
    const me = this.ctx.session().userId;
    let state: MembershipState | undefined;
    try {
      state = await run.memberships.sync(c.id, c.logLength);
    } catch (err) {
      if (isMekongError(err) && TRANSIENT.has(err.code)) throw err;
      // the server served entries that do not verify: keep the last verified state and say so
      this.ctx.report(new MekongError(isMekongError(err) ? err.code : ErrorCode.FORBIDDEN, `The membership log of a conversation did not verify: ${(err as Error).message}`, { conv: c.id }));
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
      this.ctx.report(new MekongError(ErrorCode.FORBIDDEN, 'The server lists members that the signed membership log does not name; they get no keys.', { conv: c.id, users: serverOnly }));
    }
    const info: ConvInfo = { id: c.id, kind: c.kind, members: state ? [...state.members.keys()] : c.members.map((m) => m.userId), ...(c.name ? { name: c.name } : {}) };
    const existing = run.replicas.get(c.id);
    // against the list stored for it: `existing.members` reads the log just synced, so it already agrees
    const changed = !existing || !sameMembers(existing.info.members, info.members) || existing.info.name !== info.name;
    if (changed) {
      await this.ctx.opts.storage.put(K.convInfo(c.id), toBytes(info));
      if (info.kind === 'direct') for (const m of info.members) await this.ctx.profile(m).catch(() => undefined);
    }
    const replica = existing ?? (await this.ensureReplica(info, true));
    if (existing && changed) {
      existing.info.members = info.members;
      if (info.name) existing.info.name = info.name;
      this.ctx.conversationsChanged();
      // someone added elsewhere: what they sent before this device knew them was put aside
      existing.retry();
    }
    if (state && !(await run.keys.has(c.id, state.epoch))) {
      // a removal, leave or rotation started an epoch: fetch its key, or make it if nobody has
      await run.keys.current(c.id, membersOf(state));
      replica.retry();
    }
    return replica;
  }

  async ensureReplica(info: ConvInfo, announce = false): Promise<Replica> {
    const run = this.ctx.requireRun();
    const existing = run.replicas.get(info.id) ?? (await this.opening.get(info.id));
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
      storage: this.ctx.opts.storage,
      keys: run.keys,
      directory: run.directory,
      secrets: run.secrets,
      send: (f) => run.connection.send(f),
      now: this.ctx.now,
      onEntries: (conv, entries) => this.onEntries(conv, entries),
      report: (e) => this.ctx.report(e),
      onParked: () => this.onParked(),
      ...(this.ctx.opts.snapshotEvery ? { snapshotEvery: this.ctx.opts.snapshotEvery } : {}),
    });
    this.opening.set(info.id, opening);
    const replica = await opening.finally(() => this.opening.delete(info.id));
    run.replicas.set(info.id, replica);
    if (this.ctx.status() === 'online') replica.onOnline();
    if (announce) this.ctx.conversationsChanged();
    return replica;
  }

  /**
   * An update arrived that this device cannot open yet: its sender or its epoch is newer than the
   * membership log held here (a member was added, someone rotated the keys). Nobody hints a device
   * about conversations it already follows, so re-read the list now (it fetches every log that grew,
   * and a changed log retries what was put aside) rather than at the next poll. At most one such
   * re-read per PARKED_REFRESH_MS (one asked for sooner runs at the end of the pause): a member
   * sending updates nobody can open must not turn every device into a stream of list requests.
   */
  private onParked(): void {
    this.parkedRefresh.request();
  }

  /** The device stops syncing (logout, close): a re-read still due is dropped. */
  stop(): void {
    this.parkedRefresh.cancel();
  }

  /** Stop following a conversation; its history stays on this device. */
  async leaveLocally(conv: string): Promise<void> {
    const run = this.ctx.run();
    const r = run?.replicas.get(conv);
    if (!run || !r) return;
    run.replicas.delete(conv);
    await r.idle().catch(() => {});
    r.close();
    run.connection.send({ type: 'unsubscribe', conv });
    await this.ctx.opts.storage.put(K.convInfo(conv), toBytes({ ...r.info, left: true }));
    this.ctx.conversationsChanged();
  }

  /** Members for the crypto of one conversation: the verified log, or the two of a direct conversation not yet logged. */
  membersFor(info: ConvInfo, run: Running | null = this.ctx.run()): ConvMembers {
    const state = run?.memberships.peek(info.id);
    if (state) return membersOf(state);
    return provisionalMembers(info.kind === 'direct' ? info.members : []);
  }

  /** Sign and post the `create` entry of a direct conversation (either member may; the first wins). */
  private async startDirectLog(c: ApiConversation): Promise<MembershipState> {
    const run = this.ctx.requireRun();
    const me = this.ctx.session().userId;
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
      async (entry) => {
        await this.ctx.api.call('POST', `/api/conversations/${encodeURIComponent(c.id)}/log`, { entry });
      },
    );
  }
}
