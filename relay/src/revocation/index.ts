// Cluster-wide revocations: the in-process bus, and the Redis bus shared by API processes and relays.
export { checkRevocation } from './codec';
export { createMemoryRevocations, type MemoryRevocationOptions } from './memory';
export { createRedisRevocations, type RedisRevocationOptions, type RedisRevocations } from './redis';
