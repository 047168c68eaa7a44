// Ports of the accounts service beyond the shared ones.
import type { ServiceDeps } from '../deps';
import type { ClientIp } from '../http';
import type { PasswordHasher } from '../passwords';
import type { RateLimiter } from '../rate-limit';

/** Limits on the requests that cost a password hash. */
export interface AccountLimits {
  loginPerUsername: RateLimiter;
  loginPerIp: RateLimiter;
  registerPerIp: RateLimiter;
}

export interface AccountsDeps extends ServiceDeps {
  hasher: PasswordHasher;
  limits: AccountLimits;
  clientIp: ClientIp;
}
