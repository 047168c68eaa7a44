// The transport port: how the sync engine reaches a relay. Bytes in, bytes out; one connection per call.

/** Callbacks a transport invokes for one connection. */
export interface TransportHandlers {
  onOpen(): void;
  onMessage(data: Uint8Array): void;
  /** Called exactly once, whether the close was clean, an error or a refused connection. */
  onClose(code: number, reason: string): void;
}

/** One open (or opening) connection. */
export interface TransportConnection {
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** Opens a connection to `url`. Must not throw: failures are reported through `onClose`. */
export type Transport = (url: string, handlers: TransportHandlers) => TransportConnection;
