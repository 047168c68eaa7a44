// WebSocket transport: the browser's global WebSocket, or any constructor with the same shape (the `ws` package in Node).
import type { Transport } from './port';

/** The subset of the WHATWG WebSocket interface the transport relies on. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * Create a transport over WebSockets.
 * @example
 * const transport = webSocketTransport(); // browser: uses globalThis.WebSocket
 * const nodeTransport = webSocketTransport(WebSocket as unknown as WebSocketConstructor); // Node: `import WebSocket from 'ws'`
 */
export function webSocketTransport(Impl?: WebSocketConstructor): Transport {
  return (url, handlers) => {
    const Ctor = Impl ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
    let closed = false;
    const finish = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      handlers.onClose(code, reason);
    };
    if (!Ctor) {
      queueMicrotask(() => finish(1006, 'no WebSocket implementation available'));
      return { send() {}, close() {} };
    }
    let ws: WebSocketLike;
    try {
      ws = new Ctor(url);
    } catch (err) {
      queueMicrotask(() => finish(1006, err instanceof Error ? err.message : 'cannot connect'));
      return { send() {}, close() {} };
    }
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => handlers.onOpen();
    ws.onmessage = (ev) => {
      const d = ev.data;
      if (d instanceof ArrayBuffer) handlers.onMessage(new Uint8Array(d));
      else if (d instanceof Uint8Array) handlers.onMessage(d);
      // text frames are not part of the protocol and are ignored
    };
    ws.onclose = (ev) => finish(ev.code, ev.reason);
    ws.onerror = () => {
      /* a close event always follows */
    };
    return {
      send(data) {
        if (ws.readyState === 1) ws.send(data);
      },
      close(code = 1000, reason = '') {
        try {
          ws.close(code, reason);
        } catch {
          /* already closing */
        }
        // some implementations never deliver onclose for a socket that did not open
        setTimeout(() => finish(code, reason), 1000);
      },
    };
  };
}
