// GET /api/search/users?q=: exact username, phone or email, then display-name prefixes.
import { type SearchUsersResponse, SearchUsersQuery } from '@mekong/schema';
import { Hono } from 'hono';
import { type AppEnv, queryParams, requireAuth } from '../http';
import { createMemoryRateLimiter, enforceRateLimit } from '../rate-limit';
import type { SocialDeps } from './deps';
import { searchUsers } from './search';

export function searchRoutes(deps: SocialDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const limiter = deps.searchLimiter ?? createMemoryRateLimiter({ attempts: 60, windowMs: 60_000, now: deps.sessions.now });

  app.get('/users', requireAuth(deps), queryParams(SearchUsersQuery), async (c) => {
    const me = c.var.caller.userId;
    await enforceRateLimit(limiter, me);
    return c.json({ users: await searchUsers(deps.db, me, c.req.valid('query').q) } satisfies SearchUsersResponse);
  });

  return app;
}
