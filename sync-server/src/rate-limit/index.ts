// Rate limiting: the port and its in-memory adapter (adapters' tests run ./contract).
export { enforceRateLimit } from './enforce';
export { createMemoryRateLimiter, type MemoryRateLimiterOptions } from './memory';
export type { RateDecision, RateLimit, RateLimiter } from './port';
