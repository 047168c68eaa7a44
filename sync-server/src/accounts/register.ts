// POST /register: a new account with its first device, first key backup and first session.
import { ErrorCode, MekongError, RegisterRequest, type RegisterResponse } from '@mekong/schema';
import { Hono } from 'hono';
import { jsonBody, LARGE_BODY_LIMIT, limitBody } from '../http';
import { newId } from '../ids';
import { enforceRateLimit } from '../rate-limit';
import { openSession } from '../sessions';
import type { AccountsDeps } from './deps';
import { insertDevice } from './devices-repo';
import { tokenPair } from './issue';
import { findUserByUsername, insertUser, profileOf } from './users-repo';

const taken = () => new MekongError(ErrorCode.USERNAME_TAKEN, 'This username is taken; choose another one.');

export function registerRoutes(deps: AccountsDeps): Hono {
  const app = new Hono();

  // The body carries the first backup, hence the large limit.
  app.post('/register', limitBody(LARGE_BODY_LIMIT), jsonBody(RegisterRequest), async (c) => {
    const body = c.req.valid('json');
    await enforceRateLimit(deps.limits.registerPerIp, deps.clientIp(c));
    // Cheap check first so a taken name costs no hash; the insert below still settles races.
    if (await findUserByUsername(deps.db, body.username)) throw taken();
    const passwordHash = await deps.hasher.hash(body.loginSecret);
    const now = deps.sessions.now();
    const user = {
      id: newId(),
      username: body.username,
      display_name: body.displayName,
      identity_key: body.identityKey,
      password_hash: passwordHash,
      created_at: now,
    };

    const { deviceId, opened } = await deps.db.transaction().execute(async (trx) => {
      if (!(await insertUser(trx, user))) throw taken();
      const deviceId = body.device ? await insertDevice(trx, user.id, body.device, now) : null;
      await trx.insertInto('key_backups').values({ user_id: user.id, version: 1, data: body.backup, updated_at: now }).execute();
      return { deviceId, opened: await openSession(trx, deps.sessions, user.id, deviceId) };
    });

    deps.logger.info({ userId: user.id }, 'account registered');
    const res: RegisterResponse = { user: profileOf(user), deviceId, ...(await tokenPair(deps.tokens, opened.session, opened.refreshToken)) };
    return c.json(res, 201);
  });

  return app;
}
