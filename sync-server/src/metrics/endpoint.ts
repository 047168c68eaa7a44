// GET /metrics: the registry in Prometheus text format. Meant for the internal network; with a
// token configured, only a scraper presenting it (Authorization: Bearer …) may read.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '@mekong/schema';
import type { Handler } from 'hono';
import type { Registry } from 'prom-client';
import { errorResponse } from '../http';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * A handler serving `registry`; `token` (optional) is compared in constant time.
 * @example
 * app.get('/metrics', metricsEndpoint(registry, process.env.MEKONG_METRICS_TOKEN));
 */
export function metricsEndpoint(registry: Registry, token?: string): Handler {
  const expected = token ? digest(token) : undefined;
  return async (c) => {
    if (expected) {
      const presented = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
      if (!presented || !timingSafeEqual(digest(presented), expected)) {
        return errorResponse(c, ErrorCode.UNAUTHENTICATED, 'Send the metrics token as "Authorization: Bearer <token>".', {
          'WWW-Authenticate': 'Bearer realm="metrics"',
        });
      }
    }
    return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
  };
}
