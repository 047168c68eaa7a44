// Acts on revocations at this relay: closes the sockets of a signed-out device or a banned user, and
// ends a removed member's subscription. After a gap in the revocation feed it re-checks every open
// socket against the token verifier and forgets every cached membership answer, so a missed event
// costs a re-check, never lasting access.
import { CloseCode, ErrorCode, isMekongError } from '@mekong/schema';
import type { Logger } from 'pino';
import type { Connection } from './connection';
import type { Revocation, RevocationBus, RevocationSubscription, TokenClaims, TokenVerifier } from './ports';
import { describeError } from './text';

/** What authentication asks of the revoker (see auth.ts). */
export interface RevocationGuard {
  /** A position in the stream of revocations seen here; take it before verifying a token. */
  mark(): number;
  /** True when this user, or this device of theirs, was revoked here after `mark`. */
  revokedSince(mark: number, userId: string, deviceId: string): boolean;
  /** `conn` is open with `token` and its `claims`; its session is checked again after a gap. */
  opened(conn: Connection, token: string, claims: TokenClaims): void;
}

export interface RevokerOptions {
  bus?: RevocationBus;
  tokens: TokenVerifier;
  /** The relay's open connections. */
  connections: () => Iterable<Connection>;
  logger: Logger;
  /** Token re-checks running at once after a gap. Default 4. */
  recheckConcurrency?: number;
}

/** How long a revocation is remembered for authentications that were in flight when it came. */
const REMEMBER_MS = 60_000;

const signedOut = 'this device was signed out; sign in again';
const suspended = 'this account is suspended; contact the operator';

export class Revoker implements RevocationGuard {
  private pending: Revocation[] = [];
  private flushing = false;
  private seen = 0;
  /** "u:<user>" or "d:<user>:<device>" → [position, time], oldest first. */
  private readonly recent = new Map<string, [number, number]>();
  /** What each open connection is checked with after a gap: its session id when the verifier can recheck one, else its token. */
  private readonly sessions = new WeakMap<Connection, string>();
  private readonly tokens = new WeakMap<Connection, string>();
  private readonly subscription: RevocationSubscription | undefined;
  private readonly stopGaps: () => void;
  private rechecking: Promise<void> | undefined;
  private recheckAgain = false;

  constructor(private readonly options: RevokerOptions) {
    const { bus, logger } = options;
    this.subscription = bus?.subscribe((event) => this.receive(event));
    this.subscription?.ready.catch((err) => logger.warn({ err: describeError(err) }, 'not listening to revocations yet; re-checking every socket once it is'));
    this.stopGaps = bus?.onGap(() => this.recheckAll()) ?? (() => {});
  }

  mark(): number {
    return this.seen;
  }

  revokedSince(mark: number, userId: string, deviceId: string): boolean {
    const after = (key: string) => (this.recent.get(key)?.[0] ?? -1) > mark;
    return after(`u:${userId}`) || after(`d:${userId}:${deviceId}`);
  }

  opened(conn: Connection, token: string, claims: TokenClaims): void {
    if (this.options.tokens.recheck && claims.sessionId !== undefined) {
      this.sessions.set(conn, claims.sessionId);
      this.tokens.delete(conn);
    } else {
      this.tokens.set(conn, token);
      this.sessions.delete(conn);
    }
  }

  /** Re-checks what may have been revoked while events could not arrive; runs at most one pass at a time. */
  recheckAll(): void {
    if (this.rechecking) {
      this.recheckAgain = true;
      return;
    }
    this.rechecking = this.recheckPass()
      .catch((err) => this.options.logger.error({ err: describeError(err) }, 're-checking sockets after a revocation gap failed'))
      .finally(() => {
        this.rechecking = undefined;
        if (this.recheckAgain) {
          this.recheckAgain = false;
          this.recheckAll();
        }
      });
  }

  /** Stops listening. */
  close(): void {
    this.subscription?.unsubscribe();
    this.stopGaps();
  }

  /** Resolves when the re-check pass running now (if any) is done; for tests and shutdown. */
  async idle(): Promise<void> {
    while (this.rechecking) await this.rechecking;
  }

  private receive(event: Revocation): void {
    this.seen++;
    if (event.kind !== 'member') this.remember(event.kind === 'user' ? `u:${event.userId}` : `d:${event.userId}:${event.deviceId}`);
    this.pending.push(event);
    if (this.flushing) return;
    this.flushing = true;
    // events that arrive together (a disbanded group: one per member) are applied in one pass over the connections
    queueMicrotask(() => this.flush());
  }

  private remember(key: string): void {
    const now = Date.now();
    this.recent.delete(key); // re-inserted at the end, keeping the map in time order
    this.recent.set(key, [this.seen, now]);
    for (const [k, [, at]] of this.recent) {
      if (now - at < REMEMBER_MS) break;
      this.recent.delete(k);
    }
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.flushing = false;
    const byUser = new Map<string, Revocation[]>();
    for (const event of batch) {
      const list = byUser.get(event.userId);
      if (list) list.push(event);
      else byUser.set(event.userId, [event]);
    }
    for (const conn of [...this.options.connections()]) {
      const events = conn.user === undefined ? undefined : byUser.get(conn.user);
      if (!events) continue;
      for (const event of events) {
        if (conn.closed) break;
        try {
          this.apply(conn, event);
        } catch (err) {
          this.options.logger.error({ err: describeError(err), kind: event.kind }, 'applying a revocation failed');
        }
      }
    }
  }

  private apply(conn: Connection, event: Revocation): void {
    if (event.kind === 'member') conn.membershipRevoked(event.conversationId);
    else if (event.kind === 'user') conn.fatal(ErrorCode.FORBIDDEN, CloseCode.REVOKED, suspended);
    else if (conn.device === event.deviceId) conn.fatal(ErrorCode.UNAUTHENTICATED, CloseCode.REVOKED, signedOut);
  }

  private async recheckPass(): Promise<void> {
    const open = [...this.options.connections()].filter((c) => c.state === 'open');
    this.options.logger.info({ connections: open.length }, 're-checking open sockets after a gap in revocations');
    // cached answers may predate a removal that was never announced: the next push or delivery asks again
    for (const conn of open) conn.forgetMemberships();
    let next = 0;
    const worker = async () => {
      while (next < open.length) {
        const conn = open[next++];
        if (conn) await this.recheck(conn);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.recheckConcurrency ?? 4) }, worker));
  }

  private async recheck(conn: Connection): Promise<void> {
    if (conn.closed || conn.user === undefined) return;
    const { tokens } = this.options;
    const sessionId = this.sessions.get(conn);
    const token = this.tokens.get(conn);
    try {
      if (sessionId !== undefined && tokens.recheck) await tokens.recheck({ userId: conn.user, deviceId: conn.device, sessionId });
      else if (token !== undefined) await tokens.verify(token);
    } catch (err) {
      if (conn.closed || !isMekongError(err)) {
        if (!conn.closed) conn.logger.warn({ err: describeError(err) }, 'could not re-check a socket after a revocation gap');
        return;
      }
      // an expired token is the expiry check's business: the socket must refresh or go anyway
      if (err.code === ErrorCode.TOKEN_EXPIRED) return;
      if (err.code === ErrorCode.FORBIDDEN) conn.fatal(ErrorCode.FORBIDDEN, CloseCode.REVOKED, suspended);
      else conn.fatal(ErrorCode.UNAUTHENTICATED, CloseCode.REVOKED, signedOut);
    }
  }
}
