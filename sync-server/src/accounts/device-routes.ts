// Device public keys: GET /:id/devices (the directory senders encrypt to) and POST /me/devices.
import { ErrorCode, IdParam, MekongError, RegisterDeviceRequest, type RegisterDeviceResponse } from '@mekong/schema';
import { Hono } from 'hono';
import { type AppEnv, jsonBody, limitBody, pathParams, requireAuth } from '../http';
import { bindSessionDevice } from '../sessions';
import type { AccountsDeps } from './deps';
import { insertDevice, listActiveDevices } from './devices-repo';
import { tokenPair } from './issue';
import { noSuchUser, resolveUserId } from './profile-routes';
import { findUserById } from './users-repo';

export function deviceRoutes(deps: AccountsDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(deps);

  app.get('/:id/devices', auth, pathParams(IdParam), async (c) => {
    const userId = resolveUserId(c.req.valid('param').id, c.var.caller);
    if (!(await findUserById(deps.db, userId))) throw noSuchUser();
    return c.json({ devices: await listActiveDevices(deps.db, userId) });
  });

  // A session opened on a new browser has no device; this gives it one and re-issues its tokens.
  app.post('/me/devices', limitBody(), auth, jsonBody(RegisterDeviceRequest), async (c) => {
    const caller = c.var.caller;
    if (caller.deviceId !== null) {
      throw new MekongError(ErrorCode.CONFLICT, 'This session already has a device; sign in again to add another one.');
    }
    const device = c.req.valid('json');
    const now = deps.sessions.now();
    const { deviceId, refreshToken } = await deps.db.transaction().execute(async (trx) => {
      const deviceId = await insertDevice(trx, caller.userId, device, now);
      return { deviceId, refreshToken: await bindSessionDevice(trx, deps.sessions, caller.sessionId, deviceId) };
    });
    const session = { id: caller.sessionId, user_id: caller.userId, device_id: deviceId };
    const res: RegisterDeviceResponse = { deviceId, ...(await tokenPair(deps.tokens, session, refreshToken)) };
    return c.json(res, 201);
  });

  return app;
}
