// Tokens of the peer servers' trivial authentication: "<user>.<HMAC of user>", checked with a
// secret shared by the benchmark and the peer process (CAPACITY_SECRET).
import { createHmac, timingSafeEqual } from 'node:crypto';

const mac = (secret: string, user: string) => createHmac('sha256', secret).update(user).digest('base64url');

export const peerToken = (secret: string, user: string): string => `${user}.${mac(secret, user)}`;

/** The user a token names, or undefined when it is not one of ours. */
export function peerUser(secret: string, token: unknown): string | undefined {
  if (typeof token !== 'string') return undefined;
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  const user = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(secret, user));
  return given.length === expected.length && timingSafeEqual(given, expected) ? user : undefined;
}
