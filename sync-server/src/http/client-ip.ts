// The client address used to key rate limits. Proxy headers are trusted only when configured.
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

export type ClientIp = (c: Context) => string;

/**
 * The socket's remote address; behind a reverse proxy pass `trustedHeader` (for example
 * 'x-forwarded-for'), whose last hop (appended by the proxy itself) is taken.
 */
export function clientIpFrom(opts: { trustedHeader?: string } = {}): ClientIp {
  return (c) => {
    if (opts.trustedHeader) {
      const hops = c.req.header(opts.trustedHeader)?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
      const last = hops[hops.length - 1];
      if (last) return last;
    }
    try {
      return getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      // No socket (in-process requests in tests and tools): they share one bucket.
      return 'unknown';
    }
  };
}
