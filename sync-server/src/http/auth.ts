// Bearer-token authentication: a valid access token whose session is still open and unchanged.
import { ErrorCode, MekongError } from '@mekong/schema';
import { createMiddleware } from 'hono/factory';
import type { Kysely } from 'kysely';
import type { Db } from '../db';
import { findActiveSession, type SessionPolicy } from '../sessions';
import type { TokenService } from '../tokens';
import type { AppEnv, Caller } from './env';

export interface AuthDeps {
  db: Kysely<Db>;
  tokens: TokenService;
  sessions: SessionPolicy;
}

/**
 * Requires `Authorization: Bearer <access token>` and sets `c.var.caller`. The session is
 * checked too, so signing out or a revoked session locks the API at once rather than at expiry.
 */
export function requireAuth(deps: AuthDeps) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
    if (!match?.[1]) throw new MekongError(ErrorCode.UNAUTHENTICATED, 'Send an access token as "Authorization: Bearer <token>".');
    const access = await deps.tokens.verifyAccess(match[1]);
    const session = await findActiveSession(deps.db, deps.sessions, access.sessionId);
    const deviceId = access.deviceId ?? null;
    if (!session || session.user_id !== access.userId || session.device_id !== deviceId) {
      throw new MekongError(ErrorCode.UNAUTHENTICATED, 'This session has ended or changed; refresh or sign in again.');
    }
    c.set('caller', { userId: access.userId, sessionId: access.sessionId, deviceId } satisfies Caller);
    await next();
  });
}

/** The caller's device, or FORBIDDEN for a session that has not registered one yet. */
export function requireDevice(caller: Caller): string {
  if (caller.deviceId === null) {
    throw new MekongError(ErrorCode.FORBIDDEN, 'Register this device first (POST /api/users/me/devices).');
  }
  return caller.deviceId;
}
