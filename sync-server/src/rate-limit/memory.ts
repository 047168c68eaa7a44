// In-memory token buckets for one process (the default, and the reference for other adapters).
import type { RateDecision, RateLimit, RateLimiter } from './port';

interface Bucket {
  tokens: number;
  at: number;
}

export interface MemoryRateLimiterOptions extends RateLimit {
  now?: () => number;
  /** Most keys tracked at once; full buckets are dropped first, then the oldest. */
  maxKeys?: number;
}

/**
 * A token bucket per key: holds up to `attempts` tokens and regains them at `attempts` per
 * `windowMs`, so a client gets a burst of `attempts` and then a steady rate.
 */
export function createMemoryRateLimiter(opts: MemoryRateLimiterOptions): RateLimiter {
  const now = opts.now ?? Date.now;
  const maxKeys = opts.maxKeys ?? 100_000;
  const perMs = opts.attempts / opts.windowMs;
  const buckets = new Map<string, Bucket>();

  const level = (b: Bucket, t: number) => Math.min(opts.attempts, b.tokens + (t - b.at) * perMs);

  // Memory stays bounded under a flood of distinct keys (an attacker rotating usernames).
  const evict = (t: number) => {
    for (const [key, b] of buckets) if (level(b, t) >= opts.attempts) buckets.delete(key);
    while (buckets.size >= maxKeys) {
      const oldest = buckets.keys().next();
      if (oldest.done) break;
      buckets.delete(oldest.value);
    }
  };

  return {
    async take(key): Promise<RateDecision> {
      const t = now();
      const existing = buckets.get(key);
      if (!existing && buckets.size >= maxKeys) evict(t);
      const b = existing ?? { tokens: opts.attempts, at: t };
      b.tokens = level(b, t);
      b.at = t;
      // Re-insert so the map stays ordered by last use.
      buckets.delete(key);
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
    },
  };
}
