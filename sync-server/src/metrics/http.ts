// Request counter and latency histogram for a Hono app, labelled by method, route pattern and status.
// The route is the registered pattern ('/api/users/:id'), never the concrete path, so no id, name or
// token ever becomes a label and the number of series stays bounded.
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { Counter, Histogram, type Registry } from 'prom-client';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const LABELS = ['method', 'route', 'status'] as const;

/**
 * Middleware that counts every request and observes its duration; register it before the routes.
 * @example
 * app.use('*', httpMetrics(registry));
 */
export function httpMetrics(registry: Registry): MiddlewareHandler {
  const requests = new Counter({
    name: 'mekong_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: LABELS,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'mekong_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status.',
    labelNames: LABELS,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return createMiddleware(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      // routePath is the pattern of the last handler that ran: the route itself, or a catch-all for a 404
      const labels = {
        method: METHODS.has(c.req.method) ? c.req.method : 'OTHER',
        route: c.req.routePath,
        status: String(c.res.status),
      };
      requests.inc(labels);
      duration.observe(labels, (performance.now() - started) / 1000);
    }
  });
}
