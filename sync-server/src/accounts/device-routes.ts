// Device public keys: GET /:id/devices and POST /devices (the directory senders encrypt to), POST /me/devices.
import { DeviceBatchRequest, type DeviceBatchResponse, DeviceListQuery, ErrorCode, IdParam, MekongError, RegisterDeviceRequest, type RegisterDeviceResponse } from '@mekong/schema';
import { Hono } from 'hono';
import { type AppEnv, jsonBody, LARGE_BODY_LIMIT, limitBody, pathParams, queryParams, requireAuth } from '../http';
import { bindSessionDevice } from '../sessions';
import type { AccountsDeps } from './deps';
import { announce } from '../revocation';
import { insertDevice, listActiveDevices, listActiveDevicesOf, listAllDevices, revokeDevice } from './devices-repo';
import { tokenPair } from './issue';
import { noSuchUser, resolveUserId } from './profile-routes';
import { findUserById } from './users-repo';

export function deviceRoutes(deps: AccountsDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(deps);

  app.get('/:id/devices', auth, pathParams(IdParam), queryParams(DeviceListQuery), async (c) => {
    const userId = resolveUserId(c.req.valid('param').id, c.var.caller);
    if (!(await findUserById(deps.db, userId))) throw noSuchUser();
    const all = c.req.valid('query').retired === '1';
    return c.json({ devices: all ? await listAllDevices(deps.db, userId) : await listActiveDevices(deps.db, userId) });
  });

  // Many users at once: a client sealing a new key for a 1,000-member group asks once, not 1,000 times.
  app.post('/devices', limitBody(LARGE_BODY_LIMIT), auth, jsonBody(DeviceBatchRequest), async (c) => {
    const found = await listActiveDevicesOf(deps.db, c.req.valid('json').userIds);
    const res: DeviceBatchResponse = { users: [...found].map(([userId, devices]) => ({ userId, devices })) };
    return c.json(res);
  });

  // Retire one of the caller's devices (a lost phone): it gets no new keys, its sessions end and
  // its sockets close on every relay. The caller's other devices then rotate conversation keys.
  app.delete('/me/devices/:id', auth, pathParams(IdParam), async (c) => {
    const { userId } = c.var.caller;
    const deviceId = c.req.valid('param').id;
    if (!(await revokeDevice(deps.db, userId, deviceId, deps.sessions.now()))) {
      throw new MekongError(ErrorCode.NOT_FOUND, 'You have no such device.');
    }
    await announce(deps.revocations, deps.logger, [{ kind: 'device', userId, deviceId }]);
    return c.body(null, 204);
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
