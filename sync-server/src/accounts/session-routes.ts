// POST /refresh (rotate the refresh token) and POST /logout (end the session, retire its device and close its sockets on every relay).
import { RefreshRequest, type RefreshResponse } from '@mekong/schema';
import { Hono } from 'hono';
import { type AppEnv, jsonBody, limitBody, requireAuth } from '../http';
import { announce } from '../revocation';
import { revokeSession, rotateRefreshToken } from '../sessions';
import type { AccountsDeps } from './deps';
import { revokeDevice } from './devices-repo';
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
    const { sessionId, userId, deviceId } = c.var.caller;
    await revokeSession(deps.db, deps.sessions, sessionId);
    // a session without a device never opened a relay socket
    if (deviceId !== null) {
      // the client wipes its keys when it logs out: the device is gone, nobody seals keys for it again
      await revokeDevice(deps.db, userId, deviceId, deps.sessions.now());
      await announce(deps.revocations, deps.logger, [{ kind: 'device', userId, deviceId }]);
    }
    return c.body(null, 204);
  });

  return app;
}
