// Fan-out between connections: the in-process bus, and the Redis bus that spans relay processes.
export { createMemoryBus, type MemoryBusOptions } from './memory';
export { createRedisBus, type RedisBus, type RedisBusOptions } from './redis';
