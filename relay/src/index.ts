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
  sqliteKysely,
  postgresKysely,
} from './log';
export type {
  AccessEvent,
  BusMessage,
  BusSubscription,
  Directory,
  FanoutBus,
  Joined,
  Changed,
  ListHint,
  LogStore,
  RelaySocket,
  Revocation,
  RevocationBus,
  RevocationSubscription,
  TokenVerifier,
} from './ports';
export {
  checkHint,
  checkRevocation,
  createMemoryRevocations,
  createRedisRevocations,
  type MemoryRevocationOptions,
  type RedisRevocationOptions,
  type RedisRevocations,
} from './revocation';
export {
  createMemoryPresence,
  createRedisPresence,
  type MemoryPresenceOptions,
  PRESENCE_HEARTBEAT_MS,
  PRESENCE_TTL_MS,
  type PresenceEntry,
  type PresenceStore,
  type RedisPresence,
  type RedisPresenceOptions,
} from './presence';
export { type ConnectionHandle, createRelay, type Relay, type RelayDeps } from './relay';
export { type RelayGaugeSource, RelayMetrics, type RelayMetricsOptions, UNDECODED_FRAME } from './metrics';
export { DEFAULT_DRAIN_TIMEOUT_MS, SERVICE_RESTART } from './shutdown';
export { clientAddress, parseTrustProxy, TRUST_NO_PROXY, type TrustProxy } from './trusted-proxies';
