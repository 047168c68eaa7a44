// What one relay tells the presence store: a user is held from their first socket here until their
// last one closes, and re-held on a heartbeat so the entry outlives no relay that died.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { describeError } from '../text';
import type { PresenceStore } from './port';

export interface PresenceTrackerOptions {
  /** Re-hold every user with a socket here this often. Default 20 s. */
  heartbeatMs?: number;
  /** Time to live of each hold; a few heartbeats, so one slow write does not flap. Default 60 s. */
  ttlMs?: number;
  logger: Logger;
}

/** Default heartbeat and time to live of presence entries. */
export const PRESENCE_HEARTBEAT_MS = 20_000;
export const PRESENCE_TTL_MS = 60_000;

/**
 * @example
 * const tracker = new PresenceTracker(store, { logger });
 * tracker.connected('u1');     // first socket of u1 on this relay
 * tracker.disconnected('u1');  // last one closed
 * await tracker.close();
 */
export class PresenceTracker {
  /** This relay's own id in the store; a restarted relay is a new one. */
  readonly relayId = randomUUID();
  private readonly users = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly ttlMs: number;
  private readonly timer: ReturnType<typeof setInterval>;
  private failing = false;
  private closed = false;

  constructor(
    private readonly store: PresenceStore,
    private readonly options: PresenceTrackerOptions,
  ) {
    this.ttlMs = options.ttlMs ?? PRESENCE_TTL_MS;
    this.timer = setInterval(() => this.heartbeat(), options.heartbeatMs ?? PRESENCE_HEARTBEAT_MS);
    this.timer.unref?.();
  }

  /** The first socket of `userId` on this relay is open. */
  connected(userId: string): void {
    if (this.closed || this.users.has(userId)) return;
    this.users.add(userId);
    this.track(this.store.hold(this.relayId, [userId], this.ttlMs), 'hold');
  }

  /** The last socket of `userId` on this relay closed. */
  disconnected(userId: string): void {
    if (!this.users.delete(userId)) return;
    this.track(this.store.release(this.relayId, userId), 'release');
  }

  /** Re-holds every user with a socket here (the interval calls it; tests may too). */
  heartbeat(): Promise<void> {
    if (this.closed || this.users.size === 0) return Promise.resolve();
    return this.track(this.store.hold(this.relayId, [...this.users], this.ttlMs), 'heartbeat');
  }

  /** Stops the heartbeat and waits for writes in flight (releases of the sockets a drain closed). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
  }

  private track(write: Promise<void>, what: string): Promise<void> {
    const done = write.then(
      () => {
        if (this.failing) this.options.logger.info('presence writes work again');
        this.failing = false;
      },
      (err) => {
        // presence is best effort: the next heartbeat writes it again; one warning per outage
        if (!this.failing) this.options.logger.warn({ err: describeError(err), during: what }, 'presence write failed');
        this.failing = true;
      },
    );
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
    return done;
  }
}
