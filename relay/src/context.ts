// What every connection of one relay shares: the ports, the limits and the relay's bookkeeping.
import type { Logger } from 'pino';
import type { Connection } from './connection';
import type { Hub } from './hub';
import type { RelayLimits } from './limits';
import type { RelayMetrics } from './metrics';
import type { Directory, FanoutBus, LogStore, TokenVerifier } from './ports';
import type { RevocationGuard } from './revoke';

export interface RelayContext {
  log: LogStore;
  bus: FanoutBus;
  directory: Directory;
  tokens: TokenVerifier;
  limits: RelayLimits;
  logger: Logger;
  now: () => number;
  hub: Hub<Connection>;
  /** Absent when the host keeps no metrics; every use is `metrics?.`. */
  metrics?: RelayMetrics;
  /** Revocations seen by this relay, for authentications racing them. */
  revocations: RevocationGuard;
  /** Reserves a connection slot for `userId` and files `conn` under that user; false when the user already has the maximum. */
  admit(conn: Connection, userId: string): boolean;
  /** Called once when a connection ends; gives back its slot if it had one. */
  forget(conn: { readonly id: string; readonly user: string | undefined }): void;
}
