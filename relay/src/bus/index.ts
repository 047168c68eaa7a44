// Fan-out between connections: the in-process bus (a Redis adapter will sit beside it behind the same port).
export { createMemoryBus, type MemoryBusOptions } from './memory';
