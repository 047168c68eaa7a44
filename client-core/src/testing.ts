// Test doubles and contract suites shared by every package's tests.
export { runStorageContract } from './storage/contract';
export { createMemoryNetwork, type MemoryAcceptor, type MemoryServerSide } from './transport/memory';
export { Client } from './client/client';
