// Ports of the social service beyond the shared ones.
import type { ServiceDeps } from '../deps';
import type { RateLimiter } from '../rate-limit';

export interface SocialDeps extends ServiceDeps {
  /**
   * Searches per user. Exact search by phone number or email answers "is this person here", so
   * it is bounded like a login; 60 a minute per user (in memory) by default.
   */
  searchLimiter?: RateLimiter;
}
