// @mekong/relay: the stateless sync relay. Authenticates devices, orders encrypted envelopes per conversation, fans them out.
export { createMemoryBus, createRedisBus, type MemoryBusOptions, type RedisBus, type RedisBusOptions } from './bus';
export { DEFAULT_LIMITS, type RelayLimits, resolveLimits } from './limits';
export {
  createMemoryLogStore,
  createSqlLogStore,
  currentSchema,
  isPostgres,
  migrateRelay,
  openPostgresLogStore,
  openPostgresRelayDb,
  type PostgresRelayOptions,
  postgresPool,
  openSqliteLogStore,
  openSqliteRelayDb,
  type RelayDb,
  type RelayLogTable,
  type RelaySnapshotTable,
  type SqlLogStoreOptions,
} from './log';
export type { BusMessage, BusSubscription, Directory, FanoutBus, LogStore, RelaySocket, TokenVerifier } from './ports';
export { type ConnectionHandle, createRelay, type Relay, type RelayDeps } from './relay';
