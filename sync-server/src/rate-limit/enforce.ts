// Spend one attempt or refuse the request with RATE_LIMITED (the handler adds Retry-After).
import { ErrorCode, MekongError } from '@mekong/schema';
import type { RateLimiter } from './port';

export async function enforceRateLimit(limiter: RateLimiter, key: string): Promise<void> {
  const decision = await limiter.take(key);
  if (!decision.allowed) {
    throw new MekongError(ErrorCode.RATE_LIMITED, `Too many attempts; wait ${decision.retryAfterSeconds} s and try again.`, {
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
}
