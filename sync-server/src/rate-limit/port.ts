// The rate limiter port: one bucket per key. A cluster swaps in a shared (Redis) adapter.

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Spend one attempt for `key`; refused attempts spend nothing. */
  take(key: string): Promise<RateDecision>;
}

export interface RateLimit {
  /** Attempts allowed in a burst, and per `windowMs` on average. */
  attempts: number;
  windowMs: number;
}
