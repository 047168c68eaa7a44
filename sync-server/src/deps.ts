// What every service app needs from its host; each app adds its own ports on top.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from './db';
import type { AuthDeps } from './http';
import type { RevocationPublisher } from './revocation';
import type { SessionPolicy } from './sessions';
import type { TokenService } from './tokens';

export interface ServiceDeps extends AuthDeps {
  db: Kysely<Db>;
  tokens: TokenService;
  /** Session lifetime and the clock (milliseconds) every service reads the time from. */
  sessions: SessionPolicy;
  logger: Logger;
  /** Where sign-outs, bans and removals are announced to the relays; absent when nothing listens. */
  revocations?: RevocationPublisher;
}
