// A client-side view of an in-memory socket to a relay: deterministic, synchronous delivery, no network.
import type { RelaySocket } from '../ports';
import type { ConnectionHandle, Relay } from '../relay';

export interface InMemoryClient {
  /** A binary frame to the relay. */
  send(bytes: Uint8Array): void;
  /** A text frame to the relay (not part of the protocol; for testing its rejection). */
  sendText(text: string): void;
  /** Frames from the relay, delivered synchronously; frames sent before the first listener are kept for it. */
  onMessage(cb: (bytes: Uint8Array) => void): () => void;
  onClose(cb: (code: number, reason: string) => void): () => void;
  /** Close from the client side; the relay sees the transport end. */
  close(): void;
  /** How the connection ended, once it has. */
  readonly closed: { code: number; reason: string } | undefined;
  /** What the relay reads as the socket's backlog; raise it to simulate a slow client. */
  bufferedAmount: number;
}

/** Connects a new in-memory client to `relay` through `relay.accept`. */
export function connectInMemory(relay: Relay, meta?: { ip?: string }): InMemoryClient {
  const messageListeners = new Set<(bytes: Uint8Array) => void>();
  const closeListeners = new Set<(code: number, reason: string) => void>();
  const early: Uint8Array[] = [];
  let closed: { code: number; reason: string } | undefined;
  let buffered = 0;
  // the relay may close the socket inside accept() (for example after stop()), before `handle` exists
  let handle: ConnectionHandle | undefined;

  const end = (code: number, reason: string) => {
    if (closed) return false;
    closed = { code, reason };
    for (const cb of [...closeListeners]) cb(code, reason);
    return true;
  };

  const socket: RelaySocket = {
    send(data) {
      if (closed) throw new Error('socket is closed');
      const copy = data.slice(); // the relay may reuse its buffer; a real socket copies too
      if (messageListeners.size === 0) early.push(copy);
      for (const cb of [...messageListeners]) cb(copy);
    },
    close(code, reason) {
      if (end(code, reason)) handle?.onClose();
    },
    get bufferedAmount() {
      return buffered;
    },
  };
  handle = relay.accept(socket, meta);

  return {
    send(bytes) {
      if (!closed) handle?.onMessage(bytes.slice(), true);
    },
    sendText(text) {
      if (!closed) handle?.onMessage(new TextEncoder().encode(text), false);
    },
    onMessage(cb) {
      messageListeners.add(cb);
      for (const bytes of early.splice(0)) cb(bytes);
      return () => messageListeners.delete(cb);
    },
    onClose(cb) {
      closeListeners.add(cb);
      if (closed) cb(closed.code, closed.reason);
      return () => closeListeners.delete(cb);
    },
    close() {
      if (end(1000, 'client closed')) handle?.onClose();
    },
    get closed() {
      return closed;
    },
    get bufferedAmount() {
      return buffered;
    },
    set bufferedAmount(n: number) {
      buffered = n;
    },
  };
}
