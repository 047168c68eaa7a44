// Rate limiting: the port, its in-memory adapter and the Redis one for replicas (adapters' tests run ./contract).
export { enforceRateLimit } from './enforce';
export { createMemoryRateLimiter, type MemoryRateLimiterOptions } from './memory';
export type { RateDecision, RateLimit, RateLimiter } from './port';
export { createRedisRateLimiter, type RedisRateLimiter, type RedisRateLimiterOptions } from './redis';
