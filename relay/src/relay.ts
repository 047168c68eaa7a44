// createRelay: the transport-agnostic relay core, plus its WebSocket binding for a Node HTTP server.
import type { Server } from 'node:http';
import { type Logger, pino } from 'pino';
import { createMemoryBus } from './bus';
import { Connection } from './connection';
import type { RelayContext } from './context';
import { Hub } from './hub';
import { forwardHints } from './hints';
import { type RelayLimits, resolveLimits } from './limits';
import type { RelayMetrics } from './metrics';
import type { Directory, FanoutBus, LogStore, RelaySocket, RevocationBus, TokenVerifier } from './ports';
import { type PresenceStore, PresenceTracker } from './presence';
import { Revoker } from './revoke';
import { DEFAULT_DRAIN_TIMEOUT_MS, drainConnections, SERVICE_RESTART } from './shutdown';
import { describeError } from './text';
import type { TrustProxy } from './trusted-proxies';
import { attachWebSocket, type WebSocketAttachment } from './ws';

/** What the transport calls for one accepted socket. */
export interface ConnectionHandle {
  /** A frame arrived; `isBinary` false marks a text frame, which the protocol does not allow. */
  onMessage(data: Uint8Array, isBinary?: boolean): void;
  onClose(): void;
}

export interface Relay {
  /** Serve one socket of any transport. */
  accept(socket: RelaySocket, meta?: { ip?: string }): ConnectionHandle;
  /** Serve WebSocket upgrades on `path` (default '/sync'); other paths are left to other listeners. */
  attach(server: Server, path?: string): void;
  stats(): { connections: number; subscriptions: number };
  /**
   * Graceful drain: refuses new sockets and upgrades (503) at once, lets every connection finish the
   * frame it is handling (a push being appended is acknowledged first), then closes each socket with
   * 1012 SERVICE_RESTART so its client reconnects right away, elsewhere. Sockets still busy after
   * `timeoutMs` (default 10 s) are closed anyway. Idempotent: later calls share the first drain.
   */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/** The transport's handle on one connection: a class, so an idle connection carries no closures for it. */
class Handle implements ConnectionHandle {
  constructor(private readonly conn: Connection) {}

  onMessage(data: Uint8Array, isBinary?: boolean): void {
    this.conn.receive(data, isBinary ?? true);
  }

  onClose(): void {
    this.conn.transportClosed();
  }
}

export interface RelayDeps {
  log: LogStore;
  directory: Directory;
  tokens: TokenVerifier;
  /** Defaults to an in-process bus owned (and closed) by the relay. */
  bus?: FanoutBus;
  limits?: Partial<RelayLimits>;
  logger?: Logger;
  now?: () => number;
  /** Prometheus metrics of this relay; without it nothing is measured. */
  metrics?: RelayMetrics;
  /**
   * Cluster-wide revocations (sign-outs, bans, removals) to act on, and join hints to pass on to
   * the named user's sockets as `joined` frames; the host owns and closes it.
   */
  revocations?: RevocationBus;
  /** Where this relay records who has a socket here (heartbeat 20 s, time to live 60 s); the host owns and closes it. */
  presence?: PresenceStore;
  /** Proxies trusted to name the client in X-Forwarded-For (see parseTrustProxy); nobody by default. */
  trustProxy?: TrustProxy;
}

export function createRelay(deps: RelayDeps): Relay {
  const limits = resolveLimits(deps.limits);
  const logger = deps.logger ?? pino({ name: 'mekong-relay' });
  const bus = deps.bus ?? createMemoryBus({ onHandlerError: (err) => logger.error({ err: describeError(err) }, 'bus handler failed') });
  const hub = new Hub<Connection>(bus, {
    log: deps.log,
    pageSize: limits.catchUpPageSize,
    onError: (err, during) => logger.error({ err: describeError(err), during }, 'live delivery failed'),
  });
  const connections = new Set<Connection>();
  /**
   * Authenticated connections by user: their count is the user's slots, and join hints find them
   * here. Most users hold one connection per relay, kept as is: an array for each would cost every
   * connection about 60 bytes more (bench/capacity.ts counts bytes per connection).
   */
  const perUser = new Map<string, Connection | Connection[]>();
  const connectionsOf = (userId: string): readonly Connection[] | undefined => {
    const mine = perUser.get(userId);
    return mine === undefined || Array.isArray(mine) ? mine : [mine];
  };
  const attachments: WebSocketAttachment[] = [];
  let stopped = false;
  let stopping: Promise<void> | undefined;
  const revoker = new Revoker({ bus: deps.revocations, tokens: deps.tokens, connections: () => connections, logger });
  const stopHints = forwardHints({ bus: deps.revocations, connectionsOf, followersOf: (conv) => hub.subscribersOf(conv), logger });
  const presence = deps.presence && new PresenceTracker(deps.presence, { logger: logger.child({ part: 'presence' }) });

  const ctx: RelayContext = {
    log: deps.log,
    bus,
    directory: deps.directory,
    tokens: deps.tokens,
    limits,
    logger,
    now: deps.now ?? Date.now,
    hub,
    metrics: deps.metrics,
    revocations: revoker,
    admit(conn, userId) {
      const mine = perUser.get(userId);
      const held = mine === undefined ? 0 : Array.isArray(mine) ? mine.length : 1;
      if (held >= limits.maxConnectionsPerUser) return false;
      if (mine === undefined) {
        perUser.set(userId, conn);
        presence?.connected(userId);
      } else if (Array.isArray(mine)) mine.push(conn);
      else perUser.set(userId, [mine, conn]);
      return true;
    },
    forget(conn) {
      connections.delete(conn as Connection);
      // `user` is set only once admit() succeeded, so only admitted connections give a slot back
      if (conn.user === undefined) return;
      const mine = perUser.get(conn.user);
      if (Array.isArray(mine)) {
        const at = mine.indexOf(conn as Connection);
        if (at >= 0) mine.splice(at, 1);
        if (mine.length > 1) return;
        // one left: kept as is again
        if (mine.length === 1) {
          perUser.set(conn.user, mine[0]!);
          return;
        }
      } else if (mine !== undefined && mine !== conn) return;
      perUser.delete(conn.user);
      presence?.disconnected(conn.user);
    },
  };

  const relay: Relay = {
    accept(socket) {
      if (stopped) {
        socket.close(SERVICE_RESTART, 'relay is restarting; reconnect');
        return { onMessage() {}, onClose() {} };
      }
      const conn = new Connection(ctx, socket);
      connections.add(conn);
      return new Handle(conn);
    },
    attach(server, path = '/sync') {
      attachments.push(
        attachWebSocket(relay, server, { path, maxPayload: limits.maxFrameBytes, logger, isStopped: () => stopped, ...(deps.trustProxy ? { trustProxy: deps.trustProxy } : {}) }),
      );
    },
    stats: () => ({ connections: connections.size, subscriptions: hub.size }),
    stop(options = {}) {
      stopped = true;
      stopping ??= (async () => {
        revoker.close();
        stopHints();
        const timeoutMs = options.timeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
        const cut = await drainConnections([...connections], timeoutMs, 'relay is restarting; reconnect');
        if (cut > 0) logger.warn({ connections: cut, timeoutMs }, 'drain timed out; closed busy connections');
        await presence?.close();
        await Promise.all(attachments.map((a) => a.close()));
        hub.close();
        if (!deps.bus) await bus.close();
      })();
      return stopping;
    },
  };
  deps.metrics?.watch(relay);
  return relay;
}
