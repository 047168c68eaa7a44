// What every connection of one relay shares: the ports, the limits and the relay's bookkeeping.
import type { Logger } from 'pino';
import type { Hub } from './hub';
import type { RelayLimits } from './limits';
import type { Directory, FanoutBus, LogStore, TokenVerifier } from './ports';

export interface RelayContext {
  log: LogStore;
  bus: FanoutBus;
  directory: Directory;
  tokens: TokenVerifier;
  limits: RelayLimits;
  logger: Logger;
  now: () => number;
  hub: Hub;
  /** Reserves a connection slot for `userId`; false when the user already has the maximum. */
  admit(userId: string): boolean;
  /** Called once when a connection ends; gives back its slot if it had one. */
  forget(conn: { readonly id: string; readonly user: string | undefined }): void;
}
