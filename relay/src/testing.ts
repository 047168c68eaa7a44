// @mekong/relay test kit: the port contract suites, an in-memory socket to a relay, and identity fakes.
// Imports vitest, so only test code may load it.
export { type FanoutBusContractOptions, runFanoutBusContract } from './bus/contract';
export { type LogStoreFixture, runLogStoreContract } from './log/contract';
export { createPgSchema, PG_URL, type PgSchema, SKIP_PG, SKIP_PG_REASON, withSearchPath } from './log/pg-testing';
export { type RevocationBusContractOptions, runRevocationBusContract } from './revocation/contract';
export { createFakeDirectory, createFakeTokens, type FakeClaims } from './test-support/fakes';
export { connectInMemory, type InMemoryClient } from './test-support/memory-socket';
export { perTest } from './test-support/per-test';
export {
  describeWithRedis,
  killConnection,
  type PrivateRedis,
  probeRedis,
  type RedisProbe,
  startPrivateRedis,
  TEST_REDIS_URL,
  testPrefix,
} from './test-support/redis';
