// Token buckets in Redis, one hash per key, updated by one Lua script so that every API replica
// spends from the same bucket and two replicas can never both take the last token.
import { ErrorCode, isMekongError, MekongError } from '@mekong/schema';
import { Redis } from 'ioredis';
import type { RateDecision, RateLimit, RateLimiter } from './port';

export interface RedisRateLimiterOptions extends RateLimit {
  /** A connection to share; the limiter never closes it. */
  redis?: Redis;
  /** Or where to connect; the limiter then owns the connection and close() ends it. */
  url?: string;
  /** Prepended to every key, e.g. 'mekong:rl:login-ip:'. Limiters with different limits need different prefixes. */
  prefix: string;
  /** Milliseconds since the epoch; defaults to Redis's own clock, which all replicas share. */
  now?: () => number;
}

export interface RedisRateLimiter extends RateLimiter {
  /** Ends the connection if the limiter opened it. */
  close(): Promise<void>;
}

// KEYS[1] bucket; ARGV attempts, windowMs, now ('' = Redis TIME). Same arithmetic as the memory adapter:
// refill at attempts/windowMs per ms up to attempts; an allowed take costs one token, a refused one nothing.
// Returns {1, 0} when allowed, {0, retryAfterSeconds} when refused.
const TAKE = `
local attempts = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local perMs = attempts / window
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = attempts
  at = now
end
tokens = math.min(attempts, tokens + math.max(0, now - at) * perMs)
if tokens >= 1 then
  tokens = tokens - 1
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%d', now))
  -- once full again the bucket equals a missing one, so Redis may forget it then
  redis.call('PEXPIRE', KEYS[1], math.ceil((attempts - tokens) / perMs) + 1000)
  return {1, 0}
end
return {0, math.max(1, math.ceil((1 - tokens) / perMs / 1000))}
`;

/**
 * A RateLimiter shared by every replica that uses the same Redis and prefix.
 * @example
 * const loginPerIp = createRedisRateLimiter({ url: 'redis://redis:6379', attempts: 30, windowMs: 60_000, prefix: 'mekong:rl:login-ip:' });
 * await enforceRateLimit(loginPerIp, ip);
 */
export function createRedisRateLimiter(opts: RedisRateLimiterOptions): RedisRateLimiter {
  if (!Number.isSafeInteger(opts.attempts) || opts.attempts < 1 || !Number.isSafeInteger(opts.windowMs) || opts.windowMs < 1) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'a rate limit needs whole, positive attempts and windowMs');
  }
  let redis: Redis;
  let owned = false;
  if (opts.redis) {
    redis = opts.redis;
  } else if (opts.url) {
    // a request must not hang on Redis: fail it fast and let the client retry
    redis = new Redis(opts.url, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
    redis.on('error', () => undefined); // surfaced per request as UNAVAILABLE
    owned = true;
  } else {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'give the Redis rate limiter a connection (redis) or an address (url)');
  }
  let sha: string | undefined;

  const run = async (key: string, now: string): Promise<unknown> => {
    const args = [1, opts.prefix + key, opts.attempts, opts.windowMs, now] as const;
    if (sha) {
      try {
        return await redis.evalsha(sha, ...args);
      } catch (err) {
        // Redis restarted (or flushed its scripts): load it again below
        if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
      }
    }
    sha = String(await redis.script('LOAD', TAKE));
    return redis.evalsha(sha, ...args);
  };

  return {
    async take(key): Promise<RateDecision> {
      let reply: unknown;
      try {
        reply = await run(key, opts.now ? String(Math.floor(opts.now())) : '');
      } catch (err) {
        if (isMekongError(err)) throw err;
        throw new MekongError(ErrorCode.UNAVAILABLE, 'Rate limits cannot be checked right now; try again in a few seconds.');
      }
      const [allowed, retry] = Array.isArray(reply) ? reply.map(Number) : [];
      if (allowed === 1) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, retry ?? 1) };
    },
    async close() {
      if (owned) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
