// Small pieces shared by the social routes.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Caller } from '../http';

/** Every social request body is one id or two short strings; 4 KiB is ample. */
export const SOCIAL_BODY_LIMIT = 4 * 1024;

/**
 * The caller's id when `userId` names the caller ("me" or their own id). Anyone else's is
 * FORBIDDEN whether or not that user exists, so the answer tells nothing about them.
 */
export function ownUserId(userId: string, caller: Caller, what: string): string {
  if (userId === 'me' || userId === caller.userId) return caller.userId;
  throw new MekongError(ErrorCode.FORBIDDEN, `You can only see your own ${what}; use "me".`);
}
