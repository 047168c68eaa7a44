// One logical connection to the relay: authenticates, reconnects with jittered backoff,
// refreshes the token on the open socket before it expires, and dispatches decoded frames.
import { CloseCode, type Down, decodeDown, encodeUp, PROTOCOL_VERSION, type Up } from '@mekong/schema';
import type { Transport, TransportConnection } from '../transport/port';
import { type PacerOptions, PushPacer } from './pacer';

export type ConnectionStatus = 'offline' | 'connecting' | 'online';

export interface ConnectionDeps {
  transport: Transport;
  url: string;
  /** A valid access token; called before every (re)authentication. */
  token(): Promise<string>;
  onOnline(): void;
  onFrame(frame: Down): void;
  onStatus(status: ConnectionStatus): void;
  /** A frame could not be decoded or a close code says the session is over. */
  onProblem(reason: string, fatal: boolean): void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
  pacing?: PacerOptions;
  /** Ping after this long without a frame; give up after twice as long. Default 15 s. */
  heartbeatMs?: number;
}

const FATAL_CLOSES = new Set<number>([CloseCode.UNSUPPORTED_PROTOCOL, CloseCode.REVOKED]);
/** WebSocket 1012 "service restart": a relay draining on purpose; another one is ready for us. */
const SERVICE_RESTART = 1012;

/**
 * Keeps a relay connection alive while started.
 * @example
 * const c = new RelayConnection({ transport, url, token, onOnline, onFrame, onStatus, onProblem });
 * c.start();
 */
export class RelayConnection {
  private conn: TransportConnection | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private lastFrameAt = 0;
  private pingId = 0;
  private running = false;
  private generation = 0;
  status: ConnectionStatus = 'offline';
  private readonly pacer: PushPacer;

  constructor(private readonly deps: ConnectionDeps) {
    this.pacer = new PushPacer((f) => this.conn?.send(encodeUp(f)), deps.pacing);
  }

  /** Pushes queued or awaiting acknowledgement on this connection. */
  get pendingPushes(): number {
    return this.pacer.pending;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.open();
  }

  stop(): void {
    this.running = false;
    this.pacer.reset();
    this.generation++;
    this.clearTimers();
    this.conn?.close(CloseCode.NORMAL, 'client closing');
    this.conn = null;
    this.setStatus('offline');
  }

  /** Reconnect now instead of waiting for the backoff timer (e.g. the browser came back online). */
  reconnectNow(): void {
    // a connection attempt in flight keeps going, but if it fails the next one starts at once
    this.attempt = 0;
    if (!this.running || this.status !== 'offline') return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    this.open();
  }

  /** Drop the current socket (tests, and when a relay misbehaves); reconnects with backoff. */
  drop(): void {
    this.conn?.close(CloseCode.GOING_AWAY, 'client dropped');
  }

  private readonly pongWaiters = new Map<number, () => void>();

  /**
   * Resolves true once the relay has handled every frame sent on this socket before the call
   * (it handles a connection's frames in order and answers a ping after them); false when
   * offline or after `timeoutMs`.
   */
  roundTrip(timeoutMs = 5000): Promise<boolean> {
    if (this.status !== 'online' || !this.conn) return Promise.resolve(false);
    const id = ++this.pingId;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.pongWaiters.delete(id);
        resolve(false);
      }, timeoutMs);
      this.pongWaiters.set(id, () => {
        clearTimeout(timer);
        this.pongWaiters.delete(id);
        resolve(true);
      });
      this.conn!.send(encodeUp({ type: 'ping', id }));
    });
  }

  /** Send when authenticated; returns false when offline (the caller keeps it in its outbox). */
  send(frame: Up): boolean {
    if (this.status !== 'online' || !this.conn) return false;
    if (frame.type === 'push') this.pacer.push(frame);
    else this.conn.send(encodeUp(frame));
    return true;
  }

  private open(): void {
    const gen = ++this.generation;
    this.setStatus('connecting');
    let opened = false;
    let welcomed = false;
    const conn = this.deps.transport(this.deps.url, {
      onOpen: () => {
        if (gen !== this.generation) return;
        opened = true;
        void this.authenticate(conn, gen);
      },
      onMessage: (data) => {
        if (gen !== this.generation) return;
        this.lastFrameAt = Date.now();
        let frame: Down;
        try {
          frame = decodeDown(data);
        } catch (err) {
          this.deps.onProblem(err instanceof Error ? err.message : 'undecodable frame', false);
          return;
        }
        if (frame.type === 'welcome') {
          welcomed = true;
          this.attempt = 0;
          this.scheduleRefresh(frame.expiresAt, gen);
          this.startHeartbeat(conn, gen);
          if (this.status !== 'online') {
            this.setStatus('online');
            this.deps.onOnline();
          }
          return;
        }
        if (frame.type === 'ack') this.pacer.acked(frame.conv, frame.counter);
        if (frame.type === 'pong') this.pongWaiters.get(frame.id)?.();
        if (frame.type === 'error' && (frame.code === 'TOKEN_EXPIRED' || frame.code === 'UNAUTHENTICATED')) {
          void this.authenticate(conn, gen);
        }
        if (frame.type === 'error' && (frame.code === 'RATE_LIMITED' || frame.code === 'UNAVAILABLE')) {
          // the relay dropped or failed a frame; the outbox resend (see onFrame's caller) recovers it
          this.pacer.forgetInFlight();
        }
        this.deps.onFrame(frame);
      },
      onClose: (code, reason) => {
        if (gen !== this.generation) return;
        this.conn = null;
        this.pacer.reset();
        this.clearTimers();
        this.setStatus('offline');
        if (FATAL_CLOSES.has(code)) {
          this.deps.onProblem(`relay closed the connection: ${reason || code}`, true);
          this.running = false;
          return;
        }
        // a relay that served us and now restarts: come back at the shortest backoff (still jittered,
        // so its clients do not all land on the others at once); one that refuses us backs off as usual
        if (code === SERVICE_RESTART && welcomed) this.attempt = 0;
        else if (!opened) this.attempt++;
        else this.attempt = Math.max(this.attempt, 1);
        this.scheduleReconnect();
      },
    });
    this.conn = conn;
  }

  private async authenticate(conn: TransportConnection, gen: number): Promise<void> {
    try {
      const token = await this.deps.token();
      if (gen !== this.generation) return;
      conn.send(encodeUp({ type: 'auth', protocol: PROTOCOL_VERSION, token }));
    } catch (err) {
      this.deps.onProblem(err instanceof Error ? err.message : 'cannot get a token', false);
      conn.close(CloseCode.NORMAL, 'no token');
    }
  }

  private scheduleRefresh(expiresAt: number, gen: number): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const delay = Math.max(5_000, expiresAt - Date.now() - 60_000);
    this.refreshTimer = setTimeout(() => {
      if (gen === this.generation && this.conn) void this.authenticate(this.conn, gen);
    }, delay);
    (this.refreshTimer as { unref?: () => void }).unref?.();
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    const min = this.deps.minBackoffMs ?? 250;
    const max = this.deps.maxBackoffMs ?? 15_000;
    const base = Math.min(max, min * 2 ** Math.min(this.attempt, 10));
    const delay = base / 2 + (this.deps.random ?? Math.random)() * (base / 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.running) this.open();
    }, delay);
  }

  /**
   * A socket can die without a close event (a laptop lid, a dead NAT mapping). Ping when the
   * line has been quiet; if nothing at all arrives for two intervals, drop it and reconnect.
   */
  private startHeartbeat(conn: TransportConnection, gen: number): void {
    if (this.heartbeat) return;
    const every = this.deps.heartbeatMs ?? 15_000;
    this.lastFrameAt = Date.now();
    this.heartbeat = setInterval(() => {
      if (gen !== this.generation) return;
      const quiet = Date.now() - this.lastFrameAt;
      if (quiet > 2 * every) conn.close(CloseCode.GOING_AWAY, 'no answer from the relay');
      else if (quiet > every / 2) conn.send(encodeUp({ type: 'ping', id: ++this.pingId }));
    }, every / 2);
    (this.heartbeat as { unref?: () => void }).unref?.();
  }

  private clearTimers(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (this.timer) clearTimeout(this.timer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.timer = null;
    this.refreshTimer = null;
  }

  private setStatus(s: ConnectionStatus): void {
    if (s === this.status) return;
    this.status = s;
    this.deps.onStatus(s);
  }
}
