// A TCP proxy in front of one relay, so a test can cut every client socket at once (a dropped Wi-Fi,
// a load balancer restart) without touching the relay process.
import { createServer, type Socket, connect } from 'node:net';

export interface SocketProxy {
  /** http://127.0.0.1:<port>: what clients use as their relay URL. */
  readonly url: string;
  /** Open client connections right now. */
  readonly open: number;
  /** Resets every open connection (both sides); answers how many were cut. */
  drop(): number;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<new port> to 127.0.0.1:`targetPort`, byte for byte. */
export function startSocketProxy(targetPort: number): Promise<SocketProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        get open() {
          return pairs.size;
        },
        drop() {
          const n = pairs.size;
          for (const [client, upstream] of [...pairs]) {
            client.resetAndDestroy();
            upstream.resetAndDestroy();
          }
          return n;
        },
        close() {
          for (const [client, upstream] of pairs) {
            client.destroy();
            upstream.destroy();
          }
          return new Promise<void>((ok) => server.close(() => ok()));
        },
      });
    });
  });
}
