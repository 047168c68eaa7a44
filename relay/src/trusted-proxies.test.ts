import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '@mekong/schema';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { clientAddress, normalizeAddress, parseTrustProxy, TRUST_NO_PROXY, type TrustProxy } from './trusted-proxies';
import { attachWebSocket } from './ws';

describe('the client address behind proxies', () => {
  it('trusts nobody by default: a client cannot name itself with X-Forwarded-For', () => {
    for (const setting of [undefined, '', ' none ', '0']) {
      expect(clientAddress(parseTrustProxy(setting), '203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
    }
    expect(clientAddress(TRUST_NO_PROXY, '::ffff:203.0.113.9', undefined)).toBe('203.0.113.9');
  });

  it('takes the address a trusted proxy saw, and stops at the first hop it does not trust', () => {
    const lb = parseTrustProxy('10.0.0.0/8, 192.168.1.7');
    // the client sent its own header (a lie); the load balancer appended the address it really saw
    expect(clientAddress(lb, '10.1.2.3', '1.1.1.1, 203.0.113.9')).toBe('203.0.113.9');
    // two trusted proxies in a row
    expect(clientAddress(lb, '192.168.1.7', '1.1.1.1, 203.0.113.9, 10.0.0.4')).toBe('203.0.113.9');
    // the same header from a peer that is not a trusted proxy changes nothing
    expect(clientAddress(lb, '203.0.113.50', '1.1.1.1, 10.0.0.4')).toBe('203.0.113.50');
    // a trusted proxy that forwards no header: the proxy is the client as far as anyone knows
    expect(clientAddress(lb, '10.1.2.3', undefined)).toBe('10.1.2.3');
    // an entry that is no address is not believed: the last address vouched for stays
    expect(clientAddress(lb, '10.1.2.3', 'not-an-ip')).toBe('10.1.2.3');
  });

  it('with a hop count, takes the entry that many proxies from this process, whatever their addresses', () => {
    const one = parseTrustProxy('1');
    expect(clientAddress(one, '172.20.0.2', '1.1.1.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddress(one, '172.20.0.2', '203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddress(parseTrustProxy('2'), '172.20.0.2', '1.1.1.1, 203.0.113.9, 172.20.0.9')).toBe('203.0.113.9');
    // fewer hops than trusted: the leftmost is all there is
    expect(clientAddress(parseTrustProxy('3'), '172.20.0.2', '203.0.113.9')).toBe('203.0.113.9');
  });

  it('reads named ranges, IPv6 and addresses with ports', () => {
    const trust = parseTrustProxy('loopback,private,2001:db8::/32');
    expect(clientAddress(trust, '::1', '203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddress(trust, '::ffff:127.0.0.1', '[2001:db8::5]:443, 203.0.113.9:5120')).toBe('203.0.113.9');
    expect(clientAddress(trust, '2001:db8::1', '2001:0db8:ffff::1, 2a00:1450::8')).toBe('2a00:1450::8');
    expect(normalizeAddress(' 203.0.113.9:80 ')).toBe('203.0.113.9');
    expect(normalizeAddress('unknown')).toBeUndefined();
  });

  it('refuses a setting it cannot read, saying what it takes', () => {
    for (const setting of ['true', '10.0.0.0/33', '10.0.0.0/8/1', 'proxy.internal', '::1/129', '10.0.0.1, nope', '99']) {
      expect(() => parseTrustProxy(setting), setting).toThrow(expect.objectContaining({ code: ErrorCode.BAD_REQUEST, message: expect.stringContaining('TRUST_PROXY') }));
    }
  });
});

describe('the relay’s WebSocket binding', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  /** The ip the relay is given for one socket dialled from 127.0.0.1 with `headers`, on a server that trusts `trust`. */
  async function ipSeen(trust: TrustProxy | undefined, headers: Record<string, string>): Promise<string | undefined> {
    const server = createServer();
    const seen: Array<string | undefined> = [];
    const relay = {
      accept: (_socket: unknown, meta?: { ip?: string }) => {
        seen.push(meta?.ip);
        return { onMessage() {}, onClose() {} };
      },
    };
    const attachment = attachWebSocket(relay, server, { path: '/sync', maxPayload: 1024, logger: pino({ level: 'silent' }), isStopped: () => false, ...(trust ? { trustProxy: trust } : {}) });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(async () => {
      await attachment.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/sync`, { headers });
    await once(ws, 'open');
    ws.close();
    return seen[0];
  }

  it('keys a socket by its peer when the peer is no trusted proxy, whatever X-Forwarded-For says', async () => {
    expect(await ipSeen(undefined, { 'x-forwarded-for': '198.51.100.1' })).toBe('127.0.0.1');
    expect(await ipSeen(parseTrustProxy('10.0.0.0/8'), { 'x-forwarded-for': '198.51.100.1' })).toBe('127.0.0.1');
  });

  it('keys it by the forwarded address when the peer is a trusted proxy', async () => {
    expect(await ipSeen(parseTrustProxy('loopback'), { 'x-forwarded-for': '6.6.6.6, 198.51.100.1' })).toBe('198.51.100.1');
  });
});
