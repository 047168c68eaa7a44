// One log line per request: method, route pattern, status and duration. Never bodies, tokens or
// concrete paths (a path can carry a username), so the log holds no secrets and little personal data.
import { createMiddleware } from 'hono/factory';
import type { Logger } from 'pino';

export function requestLog(logger: Logger) {
  return createMiddleware(async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    logger.info({ method: c.req.method, route: c.req.routePath, status: c.res.status, ms }, 'request');
  });
}
