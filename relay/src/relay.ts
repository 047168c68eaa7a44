// createRelay: the transport-agnostic relay core, plus its WebSocket binding for a Node HTTP server.
import type { Server } from 'node:http';
import { CloseCode } from '@mekong/schema';
import { type Logger, pino } from 'pino';
import { createMemoryBus } from './bus';
import { Connection } from './connection';
import type { RelayContext } from './context';
import { Hub } from './hub';
import { type RelayLimits, resolveLimits } from './limits';
import type { Directory, FanoutBus, LogStore, RelaySocket, TokenVerifier } from './ports';
import { describeError } from './text';
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
  /** Closes every socket with GOING_AWAY and stops accepting; waits briefly for frames in progress. */
  stop(): Promise<void>;
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
}

/** How long stop() waits for frames already being handled (an append in flight) before returning. */
const STOP_GRACE_MS = 5000;

export function createRelay(deps: RelayDeps): Relay {
  const limits = resolveLimits(deps.limits);
  const logger = deps.logger ?? pino({ name: 'mekong-relay' });
  const bus = deps.bus ?? createMemoryBus({ onHandlerError: (err) => logger.error({ err: describeError(err) }, 'bus handler failed') });
  const hub = new Hub(bus, {
    log: deps.log,
    pageSize: limits.catchUpPageSize,
    onError: (err, during) => logger.error({ err: describeError(err), during }, 'live delivery failed'),
  });
  const connections = new Set<Connection>();
  const perUser = new Map<string, number>();
  const attachments: WebSocketAttachment[] = [];
  let stopped = false;

  const ctx: RelayContext = {
    log: deps.log,
    bus,
    directory: deps.directory,
    tokens: deps.tokens,
    limits,
    logger,
    now: deps.now ?? Date.now,
    hub,
    admit(userId) {
      const n = perUser.get(userId) ?? 0;
      if (n >= limits.maxConnectionsPerUser) return false;
      perUser.set(userId, n + 1);
      return true;
    },
    forget(conn) {
      connections.delete(conn as Connection);
      // `user` is set only once admit() succeeded, so only admitted connections give a slot back
      if (conn.user === undefined) return;
      const n = (perUser.get(conn.user) ?? 1) - 1;
      if (n > 0) perUser.set(conn.user, n);
      else perUser.delete(conn.user);
    },
  };

  const relay: Relay = {
    accept(socket) {
      if (stopped) {
        socket.close(CloseCode.GOING_AWAY, 'relay is shutting down');
        return { onMessage() {}, onClose() {} };
      }
      const conn = new Connection(ctx, socket);
      connections.add(conn);
      return { onMessage: (data, isBinary) => conn.receive(data, isBinary ?? true), onClose: () => conn.transportClosed() };
    },
    attach(server, path = '/sync') {
      attachments.push(attachWebSocket(relay, server, { path, maxPayload: limits.maxFrameBytes, logger, isStopped: () => stopped }));
    },
    stats: () => ({ connections: connections.size, subscriptions: hub.size }),
    async stop() {
      if (stopped) return;
      stopped = true;
      const closing = [...connections];
      for (const conn of closing) conn.close(CloseCode.GOING_AWAY, 'relay is shutting down');
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STOP_GRACE_MS);
      });
      await Promise.race([Promise.all(closing.map((c) => c.idle())), grace]);
      clearTimeout(timer);
      await Promise.all(attachments.map((a) => a.close()));
      hub.close();
      if (!deps.bus) await bus.close();
    },
  };
  return relay;
}
