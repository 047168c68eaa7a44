// POST /login: exchange username + login secret for a session. Rate limited before any hashing,
// and an unknown username looks exactly like a wrong secret (same answer, same hashing work).
import { randomBytes } from 'node:crypto';
import { ErrorCode, LoginRequest, type LoginResponse, MekongError } from '@mekong/schema';
import { Hono } from 'hono';
import { jsonBody, limitBody } from '../http';
import { enforceRateLimit } from '../rate-limit';
import { openSession, suspended } from '../sessions';
import { isBanned } from './bans-repo';
import { getBackup } from './backup-repo';
import type { AccountsDeps } from './deps';
import { findActiveDevice } from './devices-repo';
import { tokenPair } from './issue';
import { findUserByUsername, profileOf } from './users-repo';

export function loginRoutes(deps: AccountsDeps): Hono {
  const app = new Hono();
  // A hash with the same parameters as real ones, verified when the username is unknown. Made on
  // the first login rather than at start, so a process that never serves one (a relay) never starts
  // the hashing threads; every login awaits it, so the first one costs the same whether or not the
  // username exists.
  let dummyHash: Promise<string> | undefined;
  const dummy = () => {
    if (!dummyHash) {
      dummyHash = deps.hasher.hash(randomBytes(32).toString('base64url'));
      dummyHash.catch((err) => {
        deps.logger.error({ err }, 'dummy password hash failed');
        dummyHash = undefined; // the next login tries again
      });
    }
    return dummyHash;
  };

  app.post('/login', limitBody(), jsonBody(LoginRequest), async (c) => {
    const { username, loginSecret, deviceId } = c.req.valid('json');
    await enforceRateLimit(deps.limits.loginPerIp, deps.clientIp(c));
    await enforceRateLimit(deps.limits.loginPerUsername, username);

    const fallback = await dummy();
    const user = await findUserByUsername(deps.db, username);
    const ok = await deps.hasher.verify(user?.password_hash ?? fallback, loginSecret);
    if (!user || !ok) {
      throw new MekongError(ErrorCode.INVALID_CREDENTIALS, 'The username or password is wrong.');
    }
    // only after the secret checked out: a ban is not disclosed to someone guessing passwords
    if (await isBanned(deps.db, user.id)) throw suspended();

    // A device id that is not this user's active device is ignored: the client registers anew.
    const device = deviceId === undefined ? undefined : await findActiveDevice(deps.db, user.id, deviceId);
    const opened = await openSession(deps.db, deps.sessions, user.id, device?.id ?? null);
    const backup = await getBackup(deps.db, user.id);
    const res: LoginResponse = {
      user: profileOf(user),
      deviceId: device?.id ?? null,
      backup: backup ?? null,
      ...(await tokenPair(deps.tokens, opened.session, opened.refreshToken)),
    };
    return c.json(res);
  });

  return app;
}
