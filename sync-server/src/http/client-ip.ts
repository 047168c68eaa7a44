// The client address used to key rate limits. X-Forwarded-For is believed only from trusted proxies
// (TRUST_PROXY), by the same rule as the relay's WebSocket binding.
import { getConnInfo } from '@hono/node-server/conninfo';
import { clientAddress, TRUST_NO_PROXY, type TrustProxy } from '@mekong/relay';
import type { Context } from 'hono';

export type ClientIp = (c: Context) => string;

/**
 * The socket's remote address; when that is a proxy `trustProxy` trusts, the address it (and any
 * trusted proxy before it) wrote into X-Forwarded-For.
 * @example
 * const clientIp = clientIpFrom({ trustProxy: parseTrustProxy('10.0.0.0/8') });
 */
export function clientIpFrom(opts: { trustProxy?: TrustProxy } = {}): ClientIp {
  const trust = opts.trustProxy ?? TRUST_NO_PROXY;
  return (c) => {
    let peer: string | undefined;
    try {
      peer = getConnInfo(c).remote.address;
    } catch {
      // No socket (in-process requests in tests and tools): they share one bucket.
      return 'unknown';
    }
    return clientAddress(trust, peer, c.req.header('x-forwarded-for')) ?? 'unknown';
  };
}
