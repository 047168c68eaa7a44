// Refresh tokens: 32 random bytes handed to the client once; only their SHA-256 is stored.
import { createHash, randomBytes } from 'node:crypto';

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A fast hash is enough: the token is 256 random bits, so there is nothing to brute-force. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
