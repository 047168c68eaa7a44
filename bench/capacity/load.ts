// Load generator of the capacity benchmark (a child process, driven over IPC): opens many idle,
// authenticated, subscribed connections to one server and keeps them open; later pings a sample.
// Mekong connections speak the real relay protocol (auth frame with the access token, welcome,
// subscribe to the user's conversation, synced); peers get the equivalent in their own protocol.
import { decodeDown, encodeUp, PROTOCOL_VERSION } from '@mekong/schema';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import type { LoadEvent, LoadRequest, System, Target } from './control';

/** One open connection, whatever the system. */
interface Conn {
  /** Id of the target whose token it authenticated with. */
  readonly target: string;
  ping(id: number): Promise<void>;
  /** Authenticates again on the open socket with a fresh token (Mekong); resolves on welcome. */
  reauth(token: string): Promise<void>;
  readonly open: boolean;
  close(): void;
}

const send = (e: LoadEvent) => process.send?.(e);

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Mekong: auth → welcome → subscribe → synced, over the binary relay protocol. */
function mekong(url: string, target: Target, localAddress: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false });
    const pongs = new Map<number, () => void>();
    let ready = false;
    let welcomed: (() => void) | undefined;
    const conn: Conn = {
      target: target.id,
      ping: (id) =>
        new Promise<void>((ok) => {
          pongs.set(id, ok);
          ws.send(encodeUp({ type: 'ping', id }));
        }),
      reauth: (token) =>
        new Promise<void>((ok) => {
          welcomed = ok;
          ws.send(encodeUp({ type: 'auth', protocol: PROTOCOL_VERSION, token }));
        }),
      get open() {
        return ws.readyState === WebSocket.OPEN;
      },
      close: () => ws.terminate(),
    };
    ws.on('open', () => ws.send(encodeUp({ type: 'auth', protocol: PROTOCOL_VERSION, token: target.token })));
    ws.on('message', (data: Buffer) => {
      const frame = decodeDown(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (frame.type === 'welcome' && ready) {
        welcomed?.();
        welcomed = undefined;
      } else if (frame.type === 'welcome') ws.send(encodeUp({ type: 'subscribe', conv: target.conv, after: 0 }));
      else if (frame.type === 'synced' && !ready) {
        ready = true;
        resolve(conn);
      } else if (frame.type === 'pong') {
        pongs.get(frame.id)?.();
        pongs.delete(frame.id);
      } else if (frame.type === 'error' && !ready) {
        ws.terminate();
        reject(new Error(`relay error ${frame.code}`));
      }
    });
    ws.on('error', (err) => !ready && reject(err));
    ws.on('close', (code) => !ready && reject(new Error(`closed ${code}`)));
  });
}

/** Raw ws peer: JSON auth → welcome → sub → synced. */
function plainWs(url: string, target: Target, localAddress: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false });
    const pongs = new Map<number, () => void>();
    let ready = false;
    const conn: Conn = {
      target: target.id,
      ping: (id) =>
        new Promise<void>((ok) => {
          pongs.set(id, ok);
          ws.send(JSON.stringify({ t: 'ping', id }));
        }),
      reauth: async () => undefined,
      get open() {
        return ws.readyState === WebSocket.OPEN;
      },
      close: () => ws.terminate(),
    };
    ws.on('open', () => ws.send(JSON.stringify({ t: 'auth', token: target.token })));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { t: string; id?: number };
      if (msg.t === 'welcome') ws.send(JSON.stringify({ t: 'sub', conv: target.conv }));
      else if (msg.t === 'synced' && !ready) {
        ready = true;
        resolve(conn);
      } else if (msg.t === 'pong' && msg.id !== undefined) {
        pongs.get(msg.id)?.();
        pongs.delete(msg.id);
      }
    });
    ws.on('error', (err) => !ready && reject(err));
    ws.on('close', (code) => !ready && reject(new Error(`closed ${code}`)));
  });
}

/** Socket.IO peer, WebSocket transport only: token in the handshake, then 'sub' with an ack. */
function socketIo(url: string, target: Target, localAddress: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket: Socket = io(url, {
      path: '/sync',
      transports: ['websocket'],
      auth: { token: target.token },
      localAddress,
      reconnection: false,
      forceNew: true,
      // passed through to the `ws` client of engine.io
      perMessageDeflate: false,
    } as unknown as Parameters<typeof io>[1]);
    const conn: Conn = {
      target: target.id,
      ping: (id) => new Promise<void>((ok) => socket.emit('probe', id, () => ok())),
      reauth: async () => undefined,
      get open() {
        return socket.connected;
      },
      close: () => socket.disconnect(),
    };
    socket.once('connect', () => socket.emit('sub', target.conv, () => resolve(conn)));
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(err);
    });
  });
}

const open: Record<System, (url: string, target: Target, localAddress: string) => Promise<Conn>> = { mekong, ws: plainWs, socketio: socketIo };

const conns: Conn[] = [];

async function connectAll(req: Extract<LoadRequest, { type: 'connect' }>): Promise<void> {
  const total = req.targets.length * req.perTarget;
  const errors: Record<string, number> = {};
  const before = conns.length;
  let next = 0;
  let failed = 0;
  const started = performance.now();
  let lastReport = started;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const target = req.targets[Math.floor(i / req.perTarget)]!;
      const localAddress = req.localAddresses[i % req.localAddresses.length]!;
      try {
        conns.push(await withTimeout(open[req.system](req.url, target, localAddress), req.timeoutMs, 'connection set-up'));
      } catch (err) {
        failed++;
        const key = (err instanceof Error ? err.message : String(err)).slice(0, 60);
        errors[key] = (errors[key] ?? 0) + 1;
      }
      const now = performance.now();
      if (now - lastReport > 2000) {
        lastReport = now;
        send({ type: 'progress', connected: conns.length - before, failed });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(req.concurrency, total) }, worker));
  send({ type: 'connected', connected: conns.length - before, open: conns.length, failed, ms: performance.now() - started, errors });
}

async function pingSample(sample: number, timeoutMs: number, fresh: Record<string, string> = {}): Promise<void> {
  const n = Math.min(sample, conns.length);
  const step = conns.length / Math.max(1, n);
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: n }, async (_, k) => {
      const conn = conns[Math.floor(k * step)]!;
      try {
        const token = fresh[conn.target];
        if (token) await withTimeout(conn.reauth(token), timeoutMs, 'welcome');
        const t0 = performance.now();
        await withTimeout(conn.ping(k + 1), timeoutMs, 'pong');
        times.push(performance.now() - t0);
      } catch {
        // counted as unanswered
      }
    }),
  );
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))] ?? Number.NaN;
  send({ type: 'pinged', sample: n, answered: times.length, p50Ms: pct(0.5), p99Ms: pct(0.99), open: conns.filter((c) => c.open).length });
}

process.on('message', (raw) => {
  const req = raw as LoadRequest;
  if (req.type === 'connect') void connectAll(req);
  else if (req.type === 'ping') void pingSample(req.sample, req.timeoutMs, req.fresh);
  else if (req.type === 'close') {
    for (const c of conns) c.close();
    conns.length = 0;
    send({ type: 'closed' });
    setTimeout(() => process.exit(0), 200);
  }
});
process.once('disconnect', () => process.exit(0));
send({ type: 'ready' });
