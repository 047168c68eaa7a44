// POST /refresh (rotate the refresh token) and POST /logout (end the session).
import { RefreshRequest, type RefreshResponse } from '@mekong/schema';
import { Hono } from 'hono';
import { type AppEnv, jsonBody, limitBody, requireAuth } from '../http';
import { revokeSession, rotateRefreshToken } from '../sessions';
import type { AccountsDeps } from './deps';
import { tokenPair } from './issue';

export function sessionRoutes(deps: AccountsDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/refresh', limitBody(), jsonBody(RefreshRequest), async (c) => {
    const { refreshToken } = c.req.valid('json');
    const rotated = await rotateRefreshToken(deps.db, deps.sessions, refreshToken);
    const res: RefreshResponse = await tokenPair(deps.tokens, rotated.session, rotated.refreshToken);
    return c.json(res);
  });

  app.post('/logout', limitBody(), requireAuth(deps), async (c) => {
    await revokeSession(deps.db, deps.sessions, c.var.caller.sessionId);
    return c.body(null, 204);
  });

  return app;
}
