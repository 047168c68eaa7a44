// Cluster-wide revocations (and the join hints that travel with them): the in-process bus, and the
// Redis bus shared by API processes and relays.
export { checkHint, checkRevocation } from './codec';
export { createMemoryRevocations, type MemoryRevocationOptions } from './memory';
export { createRedisRevocations, type RedisRevocationOptions, type RedisRevocations } from './redis';
