import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloseCode, encodeUp, ErrorCode, PROTOCOL_VERSION } from '@mekong/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { Relay } from './relay';
import { SERVICE_RESTART } from './shutdown';
import { Peer, type Transport } from './test-support/peer';
import { bytes, testRelay, text } from './test-support/setup';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function serve(relay: Relay): Promise<{ server: Server; url: (path?: string) => string }> {
  const server = createServer((_req, res) => res.end('plain http'));
  relay.attach(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(async () => {
    await relay.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: (path = '/sync') => `ws://127.0.0.1:${port}${path}` };
}

async function dial(url: string, name: string): Promise<Peer & { ws: WebSocket }> {
  const ws = new WebSocket(url);
  await once(ws, 'open');
  const transport: Transport = {
    send: (b) => ws.send(b),
    onMessage: (cb) => ws.on('message', (data) => cb(new Uint8Array(data as Buffer))),
    onClose: (cb) => ws.on('close', (code, reason) => cb(code, reason.toString())),
    close: () => ws.close(),
  };
  return Object.assign(new Peer(transport, name), { ws });
}

describe('relay over a real WebSocket', () => {
  it('authenticates, acks, fans out to others only, and serves catch-up', async () => {
    const { relay } = testRelay();
    const { url } = await serve(relay);
    const alice = await dial(url(), 'alice');
    const bob = await dial(url(), 'bob');
    expect((await alice.auth('alice:d1')).device).toBe('d1');
    await bob.auth('bob:d1');
    for (const p of [alice, bob]) {
      p.send({ type: 'subscribe', conv: 'room', after: 0 });
      await p.next('synced');
    }
    alice.send({ type: 'push', conv: 'room', counter: 1, envelope: bytes('over the wire') });
    alice.send({ type: 'push', conv: 'room', counter: 1, envelope: bytes('over the wire') }); // resend
    expect((await alice.next('ack')).seq).toBe(1);
    expect((await alice.next('ack')).seq).toBe(1);
    expect(text((await bob.next('update')).envelope)).toBe('over the wire');
    await alice.settle();
    await bob.settle();
    expect(alice.all('update')).toEqual([]);
    expect(bob.all('update')).toHaveLength(1);

    const late = await dial(url(), 'late');
    await late.auth('bob:d2');
    late.send({ type: 'subscribe', conv: 'room', after: 0 });
    expect(await late.next('synced')).toEqual({ type: 'synced', conv: 'room', head: 1 });
    expect(late.all('update').map((u) => u.seq)).toEqual([1]);
    expect(relay.stats()).toEqual({ connections: 3, subscriptions: 3 });
  });

  it('rejects bad tokens and unsupported protocols with the right close codes', async () => {
    const { relay } = testRelay();
    const { url } = await serve(relay);
    const forged = await dial(url(), 'forged');
    forged.send({ type: 'auth', protocol: PROTOCOL_VERSION, token: 'nope' });
    expect((await forged.closed()).code).toBe(CloseCode.UNAUTHENTICATED);
    const old = await dial(url(), 'old');
    old.send({ type: 'auth', protocol: PROTOCOL_VERSION + 1, token: 'alice:d1' });
    expect((await old.next('error')).code).toBe(ErrorCode.UNSUPPORTED_PROTOCOL);
    expect((await old.closed()).code).toBe(CloseCode.UNSUPPORTED_PROTOCOL);
  });

  it('closes a silent socket after the auth timeout', async () => {
    const { relay } = testRelay({ limits: { authTimeoutMs: 50 } });
    const { url } = await serve(relay);
    const silent = await dial(url(), 'silent');
    expect((await silent.closed()).code).toBe(CloseCode.UNAUTHENTICATED);
  });

  it('closes with 1009 when a frame exceeds maxPayload, and keeps serving others', async () => {
    const { relay, log } = testRelay({ limits: { maxFrameBytes: 10_000 } });
    const { url } = await serve(relay);
    const alice = await dial(url(), 'alice');
    await alice.auth('alice:d1');
    alice.sendRaw(encodeUp({ type: 'push', conv: 'room', counter: 1, envelope: new Uint8Array(20_000) }));
    expect((await alice.closed()).code).toBe(1009);
    const bob = await dial(url(), 'bob');
    await bob.auth('bob:d1');
    bob.send({ type: 'push', conv: 'room', counter: 1, envelope: bytes('fine') });
    expect((await bob.next('ack')).seq).toBe(1);
    expect(await log.head('room')).toBe(1);
  });

  it('answers a text frame with MALFORMED_FRAME', async () => {
    const { relay } = testRelay();
    const { url } = await serve(relay);
    const alice = await dial(url(), 'alice');
    await alice.auth('alice:d1');
    alice.ws.send('{"type":"ping","id":1}');
    expect((await alice.next('error')).code).toBe(ErrorCode.MALFORMED_FRAME);
    await alice.settle();
  });

  it('leaves other paths and plain HTTP to their owners', async () => {
    const { relay } = testRelay();
    const { server, url } = await serve(relay);
    const echo = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      if (req.url === '/echo') echo.handleUpgrade(req, socket, head, (ws) => ws.on('message', (d) => ws.send(d)));
    });
    cleanup.push(() => new Promise((r) => echo.close(() => r())));
    const ws = new WebSocket(url('/echo'));
    await once(ws, 'open');
    ws.send('hi');
    const [reply] = await once(ws, 'message');
    expect(String(reply)).toBe('hi');
    ws.close();
    const res = await fetch(url('/anything').replace('ws:', 'http:'));
    expect(await res.text()).toBe('plain http');
    expect(relay.stats().connections).toBe(0);
  });

  it('stop() closes sockets with 1012 SERVICE_RESTART and refuses later upgrades', async () => {
    const { relay } = testRelay();
    const { url } = await serve(relay);
    const alice = await dial(url(), 'alice');
    await alice.auth('alice:d1');
    await relay.stop();
    expect((await alice.closed()).code).toBe(SERVICE_RESTART);
    const late = new WebSocket(url());
    const [err] = await once(late, 'error');
    expect(String(err)).toMatch(/503/);
  });
});
