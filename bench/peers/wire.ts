// A raw WebSocket of the load generator that counts what crosses the wire: payload bytes plus the
// WebSocket frame header of each message (client frames carry a 4-byte mask). TCP/IP headers are
// not counted. Compression is off on every server of the benchmark, and on the client too.
import WebSocket from 'ws';

/** Bytes of the WebSocket frame header for a payload of `len` bytes (RFC 6455 §5.2). */
export function wsHeaderBytes(len: number, masked: boolean): number {
  return 2 + (len >= 65_536 ? 8 : len >= 126 ? 2 : 0) + (masked ? 4 : 0);
}

export interface WireCounters {
  bytesUp: number;
  bytesDown: number;
  framesUp: number;
  framesDown: number;
}

export const zeroCounters = (): WireCounters => ({ bytesUp: 0, bytesDown: 0, framesUp: 0, framesDown: 0 });

/** One generator connection; `onFrame` sees every binary message as it arrives. */
export class RawSocket {
  onClose: (code: number) => void = () => {};
  private handler: ((data: Uint8Array) => void) | undefined;
  /** Frames that arrived before anyone listened (a server may greet in the same packet as the handshake). */
  private early: Uint8Array[] = [];

  /** Who sees every binary message; frames that arrived before it was set are handed over at once. */
  set onFrame(fn: (data: Uint8Array) => void) {
    this.handler = fn;
    for (const f of this.early.splice(0)) fn(f);
  }

  private constructor(
    private readonly ws: WebSocket,
    readonly wire: WireCounters,
  ) {}

  /** Opens `url` (optionally from a given loopback source address) and resolves once it is open. */
  static open(url: string, wire: WireCounters = zeroCounters(), localAddress?: string): Promise<RawSocket> {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
    ws.binaryType = 'nodebuffer';
    const sock = new RawSocket(ws, wire);
    ws.on('message', (data: Buffer) => {
      wire.bytesDown += data.byteLength + wsHeaderBytes(data.byteLength, false);
      wire.framesDown++;
      if (sock.handler) sock.handler(data);
      else sock.early.push(data);
    });
    ws.on('close', (code) => sock.onClose(code));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(sock));
      ws.once('error', reject);
    });
  }

  send(bytes: Uint8Array): void {
    this.wire.bytesUp += bytes.byteLength + wsHeaderBytes(bytes.byteLength, true);
    this.wire.framesUp++;
    this.ws.send(bytes);
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws.removeAllListeners('error');
    this.ws.on('error', () => {});
    this.ws.terminate();
  }
}

/** Opens `count` sockets, `batch` at a time, so a thousand connections do not all race at once. */
export async function openMany<T>(count: number, open: (i: number) => Promise<T>, batch = 50): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += batch) out.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => open(i + j)))));
  return out;
}
