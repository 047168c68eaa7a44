// The token check the relays use: a valid access token whose session is still open and whose user
// is not banned. Signing out therefore locks the relay at once, not when the token expires.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { TokenVerifier } from '@mekong/relay';
import type { Kysely } from 'kysely';
import type { Db } from '../db';
import { type SessionPolicy, sessionState, suspended } from '../sessions';
import type { TokenService } from '../tokens';

/**
 * Verifies the token's signature and expiry, then reads its session (one primary-key lookup per
 * authentication). Throws TOKEN_EXPIRED, UNAUTHENTICATED for a session that ended or changed, and
 * FORBIDDEN for a banned user. `recheck` reads the session of claims verified earlier again, for the
 * relays' checks after a gap in revocations.
 */
export function createSessionTokenVerifier(deps: { db: Kysely<Db>; tokens: TokenService; sessions: SessionPolicy }): TokenVerifier {
  const check = async (sessionId: string, userId: string, deviceId: string | undefined) => {
    const found = await sessionState(deps.db, deps.sessions, sessionId);
    if (found?.state === 'banned') throw suspended();
    const session = found?.session;
    if (found?.state !== 'active' || session?.user_id !== userId || session.device_id !== (deviceId ?? null)) {
      throw new MekongError(ErrorCode.UNAUTHENTICATED, 'This session has ended; sign in again.');
    }
  };
  return {
    async verify(token) {
      const access = await deps.tokens.verifyAccess(token);
      await check(access.sessionId, access.userId, access.deviceId);
      return access;
    },
    async recheck({ sessionId, userId, deviceId }) {
      await check(sessionId, userId, deviceId);
    },
  };
}
