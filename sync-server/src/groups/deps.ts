// What the groups service needs from its host beyond the shared ports.
import type { ServiceDeps } from '../deps';

export interface GroupsDeps extends ServiceDeps {
  /**
   * Called after a group is disbanded, to drop what lives outside this database's cascade: the
   * relay's encrypted history (see purgeRelayHistory). Failures are logged, not returned.
   */
  onDisband?: (groupId: string) => Promise<void>;
}
