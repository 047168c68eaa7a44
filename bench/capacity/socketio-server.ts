// Peer for the capacity benchmark: a Socket.IO server (WebSocket transport only) holding idle
// authenticated connections. The token travels in the handshake (`auth.token`, checked by a
// middleware); 'sub' joins the room of a conversation and acknowledges; 'probe' is acknowledged.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { serveControl } from './control';
import { peerUser } from './tokens';

const secret = process.env.CAPACITY_SECRET ?? '';
const http = createServer();
const io = new Server(http, { path: '/sync', transports: ['websocket'], serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 64 * 1024 });

io.use((socket, next) => {
  const user = peerUser(secret, (socket.handshake.auth as { token?: unknown }).token);
  if (!user) return next(new Error('bad token'));
  socket.data.user = user;
  next();
});
io.on('connection', (socket) => {
  socket.on('sub', (conv: unknown, ack: unknown) => {
    if (typeof conv !== 'string' || typeof ack !== 'function') return;
    void socket.join(conv);
    ack({ synced: conv });
  });
  socket.on('probe', (id: unknown, ack: unknown) => {
    if (typeof ack === 'function') ack(id);
  });
});

http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  serveControl(typeof address === 'object' && address ? address.port : 0, async () => {
    io.disconnectSockets(true);
    await new Promise<void>((r) => io.close(() => r()));
  });
});
