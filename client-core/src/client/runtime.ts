// The services a logged-in device runs (directory, keys, membership, relay connection, typing
// channel), the background work that keeps them current, and the routing of relay frames.
import { type Down, ErrorCode, MekongError } from '@mekong/schema';
import { DeviceDirectory } from '../keys/directory';
import { KeyManager } from '../keys/manager';
import type { DeviceSecrets } from '../keys/secrets';
import { type ConvMembers, MembershipTracker } from '../membership/tracker';
import { EphemeralChannel } from '../presence';
import { type ConnectionStatus, RelayConnection } from '../sync/connection';
import type { ConvInfo, Replica } from '../sync/replica';
import { webSocketTransport } from '../transport/websocket';
import type { ClientContext, Running } from './context';

/** Default of `ClientOptions.pollIntervalMs`: joins and changes come as hints; the poll only makes up for a lost one (see there). */
export const DEFAULT_POLL_INTERVAL_MS = 60_000;

const isCode = (c: string): c is ErrorCode => Object.values(ErrorCode).includes(c as ErrorCode);

/**
 * Build the services of a device; nothing touches the network until `startSync`.
 * @example
 * const run = createRunning(ctx, secrets, frames, (info) => following.membersFor(info));
 */
export function createRunning(ctx: ClientContext, secrets: DeviceSecrets, frames: FrameRouter, membersFor: (info: ConvInfo) => ConvMembers): Running {
  const { opts, api } = ctx;
  const report = (e: unknown) => ctx.report(e);
  const directory = new DeviceDirectory(api, opts.storage, report);
  const keys = new KeyManager(secrets, opts.storage, api, directory, report);
  const memberships = new MembershipTracker(api, opts.storage, secrets, ctx.now);
  const url = new URL('/sync', opts.relay ?? opts.server);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const connection = new RelayConnection({
    transport: opts.transport ?? webSocketTransport(),
    url: url.toString(),
    token: () => api.freshAccessToken(),
    onOnline: () => frames.onOnline(),
    onFrame: (f) => frames.onFrame(f),
    onStatus: (s) => frames.onStatus(s),
    ...(opts.reconnect?.minMs !== undefined ? { minBackoffMs: opts.reconnect.minMs } : {}),
    ...(opts.reconnect?.maxMs !== undefined ? { maxBackoffMs: opts.reconnect.maxMs } : {}),
    onProblem: (reason, fatal) => ctx.report(new MekongError(fatal ? ErrorCode.UNAVAILABLE : ErrorCode.MALFORMED_FRAME, reason)),
  });
  const replicas = new Map<string, Replica>();
  const ephemeral = new EphemeralChannel({
    userId: secrets.userId,
    deviceId: secrets.deviceId,
    signSecretKey: secrets.device.signSecretKey,
    members: (conv) => {
      const r = replicas.get(conv);
      return r && membersFor(r.info);
    },
    device: (id, candidates) => directory.device(id, candidates),
    epochKey: (conv, epoch, members) => keys.epochKey(conv, epoch, members),
    profile: (id) => ctx.profile(id),
    send: (f) => connection.send(f),
    now: ctx.now,
    report,
  });
  return { secrets, directory, keys, memberships, connection, replicas, poll: null, syncSoon: null, ephemeral, unwatchNetwork: null };
}

/**
 * Start syncing on the next turn of the event loop: whatever the app does at once after start-up
 * (open a conversation and read its newest page from this device) comes first, and the first
 * network call (loading the HTTP stack, perhaps refreshing a token) does not delay it.
 */
export function startSyncSoon(ctx: ClientContext, run: Running): void {
  run.syncSoon = setTimeout(() => {
    run.syncSoon = null;
    if (ctx.run() === run) startSync(ctx, run);
  }, 0);
}

/** Connect to the relay, follow the browser's network events, and re-read the conversation list now and then while online. */
export function startSync(ctx: ClientContext, run: Running): void {
  run.connection.start();
  run.unwatchNetwork = watchNetwork(run.connection);
  const every = ctx.opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  run.poll = setInterval(() => {
    if (ctx.status() === 'online') ctx.refreshConversations().catch((e) => ctx.report(e));
  }, every);
  (run.poll as { unref?: () => void }).unref?.();
}

/** Stop the background work, let queued work finish, save the key backup and close every replica. */
export async function stopRunning(run: Running): Promise<void> {
  if (run.syncSoon) clearTimeout(run.syncSoon);
  run.syncSoon = null;
  run.unwatchNetwork?.();
  run.unwatchNetwork = null;
  if (run.poll) clearInterval(run.poll);
  run.connection.stop();
  await Promise.all([...run.replicas.values()].map((r) => r.idle().catch(() => {})));
  await run.keys.flushBackup();
  for (const r of run.replicas.values()) r.close();
  run.ephemeral.close();
}

/** In a browser, follow the system's online/offline events instead of waiting for timeouts. */
function watchNetwork(connection: RelayConnection): (() => void) | null {
  const g = globalThis as unknown as {
    addEventListener?: (t: string, cb: () => void) => void;
    removeEventListener?: (t: string, cb: () => void) => void;
  };
  if (typeof g.addEventListener !== 'function' || typeof g.removeEventListener !== 'function') return null;
  const online = () => connection.reconnectNow();
  const offline = () => connection.drop();
  g.addEventListener('online', online);
  g.addEventListener('offline', offline);
  return () => {
    g.removeEventListener?.('online', online);
    g.removeEventListener?.('offline', offline);
  };
}

/**
 * Routes relay frames to the replicas and tracks what "synced" means: the relay's head per
 * conversation and which conversations caught up since the connection came online.
 * @example
 * await frames.waitSynced(replica, 10_000); // throws TIMEOUT when the relay is out of reach
 */
export class FrameRouter {
  private readonly heads = new Map<string, number>();
  private readonly syncedSinceOnline = new Set<string>();
  private resendTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ctx: ClientContext,
    private readonly statusListeners: Set<(s: ConnectionStatus) => void>,
  ) {}

  onStatus(s: ConnectionStatus): void {
    if (s !== 'online') this.syncedSinceOnline.clear();
    for (const cb of this.statusListeners) cb(s);
  }

  onOnline(): void {
    for (const r of this.ctx.run()?.replicas.values() ?? []) r.onOnline();
    this.ctx.refreshConversations().catch((e) => this.ctx.report(e));
  }

  onFrame(f: Down): void {
    const run = this.ctx.run();
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
        this.ctx.report(new MekongError(isCode(f.code) ? f.code : ErrorCode.INTERNAL, f.message, { conv: f.conv, counter: f.counter }));
        return;
      case 'ephemeral':
        run.ephemeral.receive(f.conv, f.envelope);
        return;
      case 'unsubscribed':
        this.ctx.report(new MekongError(ErrorCode.NOT_MEMBER, `The relay ended a subscription (${f.code}).`, { conv: f.conv }));
        // removed, left elsewhere, blocked or disbanded: learn which from the server's list now
        this.ctx.refreshConversations().catch((e) => this.ctx.report(e));
        return;
      case 'joined': {
        // given a conversation elsewhere: re-read the list now and follow it. The hint names the
        // conversation but proves nothing; the list read over HTTP (and the conversation's signed
        // log) decide. A refresh already in flight may predate the change, so this waits for one
        // that starts after it. A conversation followed here already was given back (a 1-1
        // unblocked): the relay had ended its subscription, so it subscribes again.
        const followed = run.replicas.get(f.conv);
        this.ctx
          .refreshConversations({ fresh: true })
          .then(() => {
            const replica = this.ctx.run()?.replicas.get(f.conv);
            if (replica && replica === followed) replica.onOnline();
          })
          .catch((e) => this.ctx.report(e));
        return;
      }
      case 'changed':
        // a conversation followed here changed (renamed, members, roles, keys): re-read the list now
        this.ctx.refreshConversations({ fresh: true }).catch((e) => this.ctx.report(e));
        return;
      default:
        return;
    }
  }

  /** Resolve once the relay has everything this device sent and this device has everything up to the relay's head. */
  async waitSynced(replica: Replica, timeoutMs: number): Promise<void> {
    const deadline = this.ctx.now() + timeoutMs;
    for (;;) {
      await replica.idle();
      const head = this.heads.get(replica.id) ?? 0;
      if (this.ctx.status() === 'online' && this.syncedSinceOnline.has(replica.id) && replica.lastSeq >= head && (await replica.outboxSize()) === 0) {
        return;
      }
      if (this.ctx.now() > deadline) throw new MekongError(ErrorCode.TIMEOUT, 'Could not reach the relay in time; messages stay queued on this device.');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The relay dropped some pushes: resend every outbox shortly (the relay deduplicates). */
  private scheduleResend(): void {
    if (this.resendTimer) return;
    this.resendTimer = setTimeout(() => {
      this.resendTimer = null;
      if (this.ctx.status() === 'online') for (const r of this.ctx.run()?.replicas.values() ?? []) r.resendOutbox();
    }, 1000);
    (this.resendTimer as { unref?: () => void }).unref?.();
  }

  private bumpHead(conv: string, seq: number): void {
    if (seq > (this.heads.get(conv) ?? 0)) this.heads.set(conv, seq);
  }
}
