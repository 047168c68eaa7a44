// Peer for the capacity benchmark: a plain `ws` server holding idle authenticated connections.
// A client sends {t:'auth',token} and gets {t:'welcome'}, then {t:'sub',conv} joins a room and gets
// {t:'synced'}; {t:'ping',id} is answered with {t:'pong',id}. Like the relay it has an auth timeout,
// a 30 s heartbeat and per-message deflate off.
import { createServer } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import { serveControl } from './control';
import { peerUser } from './tokens';

const secret = process.env.CAPACITY_SECRET ?? '';
const rooms = new Map<string, Set<WebSocket>>();
const server = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, path: '/sync', perMessageDeflate: false, maxPayload: 64 * 1024 });
const alive = new WeakSet<WebSocket>();

interface Client {
  user: string | undefined;
  rooms: Set<string>;
}

wss.on('connection', (ws) => {
  const client: Client = { user: undefined, rooms: new Set() };
  const authTimer = setTimeout(() => client.user === undefined && ws.close(4001, 'authenticate first'), 10_000);
  alive.add(ws);
  ws.on('pong', () => alive.add(ws));
  ws.on('message', (data) => {
    let msg: { t?: string; token?: unknown; conv?: unknown; id?: unknown };
    try {
      msg = JSON.parse(String(data));
    } catch {
      ws.close(4002, 'bad frame');
      return;
    }
    if (msg.t === 'auth') {
      const user = peerUser(secret, msg.token);
      if (!user) return ws.close(4001, 'bad token');
      client.user = user;
      clearTimeout(authTimer);
      ws.send(JSON.stringify({ t: 'welcome', user }));
    } else if (client.user === undefined) {
      ws.close(4001, 'authenticate first');
    } else if (msg.t === 'sub' && typeof msg.conv === 'string') {
      const room = rooms.get(msg.conv) ?? new Set<WebSocket>();
      rooms.set(msg.conv, room);
      room.add(ws);
      client.rooms.add(msg.conv);
      ws.send(JSON.stringify({ t: 'synced', conv: msg.conv }));
    } else if (msg.t === 'ping') {
      ws.send(JSON.stringify({ t: 'pong', id: msg.id }));
    }
  });
  ws.on('close', () => {
    clearTimeout(authTimer);
    for (const conv of client.rooms) {
      const room = rooms.get(conv);
      room?.delete(ws);
      if (room?.size === 0) rooms.delete(conv);
    }
  });
  ws.on('error', () => undefined);
});

const heartbeat = setInterval(() => {
  for (const ws of wss.clients) {
    if (!alive.has(ws)) {
      ws.terminate();
      continue;
    }
    alive.delete(ws);
    ws.ping();
  }
}, 30_000);
heartbeat.unref();

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  serveControl(typeof address === 'object' && address ? address.port : 0, async () => {
    clearInterval(heartbeat);
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
