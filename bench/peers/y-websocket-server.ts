// Child process for the fan-out benchmarks: the plain Yjs WebSocket server of y-websocket 1.x
// (`setupWSConnection` from y-websocket/bin/utils, documents in memory, no persistence) on
// 127.0.0.1:$PORT, one document per URL path. Loaded through require so this process holds the
// single CommonJS copy of yjs that the server uses.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const require = createRequire(import.meta.url);
const { setupWSConnection } = require('y-websocket/bin/utils') as {
  setupWSConnection: (conn: WebSocket, req: IncomingMessage, opts?: { docName?: string; gc?: boolean }) => void;
};

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('y-websocket\n');
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (conn, req) => setupWSConnection(conn, req));
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`ready ${typeof address === 'object' && address ? address.port : 0}\n`);
});
const stop = () => {
  for (const c of wss.clients) c.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
