// Test doubles for the relay's identity ports: tokens and membership as plain maps.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Directory, TokenVerifier } from '../ports';

export interface FakeClaims {
  userId: string;
  deviceId?: string;
  expiresAt: number;
}

/** A TokenVerifier that knows the tokens in its map; `now` decides expiry like a real verifier would. */
export function createFakeTokens(now: () => number = Date.now): TokenVerifier & { tokens: Map<string, FakeClaims> } {
  const tokens = new Map<string, FakeClaims>();
  return {
    tokens,
    async verify(token) {
      const claims = tokens.get(token);
      if (!claims) throw new MekongError(ErrorCode.UNAUTHENTICATED, 'unknown token; sign in again');
      if (claims.expiresAt <= now()) throw new MekongError(ErrorCode.TOKEN_EXPIRED, 'the token has expired; refresh it');
      return { ...claims };
    },
  };
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
