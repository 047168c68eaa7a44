// Test doubles for the relay's identity ports: tokens and membership as plain maps.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Directory, TokenVerifier } from '../ports';

export interface FakeClaims {
  userId: string;
  deviceId?: string;
  expiresAt: number;
}

/**
 * A TokenVerifier that knows the tokens in its map; `now` decides expiry like a real verifier would.
 * With `sessions`, each token is its own session (`sessionId` is the token) and `recheck` answers
 * from the same map; `calls` counts both methods.
 */
export function createFakeTokens(
  now: () => number = Date.now,
  options: { sessions?: boolean } = {},
): TokenVerifier & { tokens: Map<string, FakeClaims>; calls: { verify: number; recheck: number } } {
  const tokens = new Map<string, FakeClaims>();
  const calls = { verify: 0, recheck: 0 };
  const fake: TokenVerifier & { tokens: Map<string, FakeClaims>; calls: typeof calls } = {
    tokens,
    calls,
    async verify(token) {
      calls.verify++;
      const claims = tokens.get(token);
      if (!claims) throw new MekongError(ErrorCode.UNAUTHENTICATED, 'unknown token; sign in again');
      if (claims.expiresAt <= now()) throw new MekongError(ErrorCode.TOKEN_EXPIRED, 'the token has expired; refresh it');
      return options.sessions ? { ...claims, sessionId: token } : { ...claims };
    },
  };
  if (options.sessions) {
    fake.recheck = async ({ sessionId, userId, deviceId }) => {
      calls.recheck++;
      const claims = tokens.get(sessionId);
      if (!claims || claims.userId !== userId || claims.deviceId !== deviceId) throw new MekongError(ErrorCode.UNAUTHENTICATED, 'this session has ended');
    };
  }
  return fake;
}

/** A Directory backed by conv → set of user ids; edit `members` to add or remove people. */
export function createFakeDirectory(initial: Record<string, string[]> = {}): Directory & { members: Map<string, Set<string>>; calls: number } {
  const members = new Map(Object.entries(initial).map(([conv, users]) => [conv, new Set(users)]));
  const dir = {
    members,
    calls: 0,
    async isMember(conv: string, userId: string) {
      dir.calls++;
      return members.get(conv)?.has(userId) ?? false;
    },
  };
  return dir;
}
