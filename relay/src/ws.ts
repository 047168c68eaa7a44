// Node binding: WebSocket upgrades on one path of an HTTP server, each socket handed to the relay core.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { RelaySocket } from './ports';
import type { ConnectionHandle, Relay } from './relay';
import { describeError } from './text';
import { clientAddress, TRUST_NO_PROXY, type TrustProxy } from './trusted-proxies';

export interface WebSocketAttachment {
  close(): Promise<void>;
}

export interface AttachOptions {
  path: string;
  maxPayload: number;
  logger: Logger;
  isStopped: () => boolean;
  /** Sockets that do not answer a ping within this interval are dropped. */
  heartbeatMs?: number;
  /** Proxies trusted to name the client in X-Forwarded-For; nobody by default. */
  trustProxy?: TrustProxy;
}

const toBytes = (data: RawData): Uint8Array =>
  Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;

const BINARY = { binary: true } as const;
const uncork = (socket: WsRelaySocket) => socket.flush();

/**
 * The relay's side of one socket. A class rather than an object literal of arrow functions: an idle
 * connection then costs one small object instead of three closures and a dictionary-mode object
 * (about 1 KB of heap per connection, measured by bench/capacity.ts).
 */
class WsRelaySocket implements RelaySocket {
  private corked = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly stream: Duplex,
  ) {}

  /**
   * Frames sent in one run of the event loop's job queues (the acks and updates of one group commit)
   * leave in one write: the stream is corked at the first and uncorked once the queues are empty.
   */
  send(data: Uint8Array): void {
    if (!this.corked) {
      this.corked = true;
      this.stream.cork();
      process.nextTick(uncork, this);
    }
    this.ws.send(data, BINARY);
  }

  flush(): void {
    this.corked = false;
    this.stream.uncork();
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

export function attachWebSocket(relay: Pick<Relay, 'accept'>, server: Server, options: AttachOptions): WebSocketAttachment {
  // perMessageDeflate off: envelopes are ciphertext and do not compress, and inflate is a memory attack surface
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, perMessageDeflate: false });
  const alive = new WeakSet<WebSocket>();
  const handles = new WeakMap<WebSocket, ConnectionHandle>();

  // listeners shared by every socket (`this` is the socket), so an idle connection carries no closures for them
  function onPong(this: WebSocket) {
    alive.add(this);
  }
  function onMessage(this: WebSocket, data: RawData, isBinary: boolean) {
    handles.get(this)?.onMessage(toBytes(data), isBinary);
  }
  function onClose(this: WebSocket) {
    handles.get(this)?.onClose();
    handles.delete(this);
  }
  // 'close' always follows an 'error' (oversized payload, bad framing), so the relay learns of it there
  const onError = (err: Error) => options.logger.debug({ err: describeError(err) }, 'websocket error');

  const bind = (ws: WebSocket, req: IncomingMessage) => {
    // X-Forwarded-For counts only as far as proxies the host trusts wrote it (RelayDeps.trustProxy)
    const ip = clientAddress(options.trustProxy ?? TRUST_NO_PROXY, req.socket.remoteAddress, req.headers['x-forwarded-for']);
    handles.set(ws, relay.accept(new WsRelaySocket(ws, req.socket), { ip }));
    alive.add(ws);
    ws.on('pong', onPong);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://relay.invalid').pathname;
    if (pathname !== options.path) return;
    if (options.isStopped()) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => bind(ws, req));
  };
  server.on('upgrade', onUpgrade);

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, options.heartbeatMs ?? 30_000);
  heartbeat.unref();

  return {
    async close() {
      clearInterval(heartbeat);
      // the relay has already sent close frames; sockets whose peer never answers are cut after a moment
      const stragglers = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
      }, 1000);
      stragglers.unref();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
