// Public door of client-core storage: the port and its browser-safe adapters. The SQLite adapter is Node only and lives in ./sqlite.
export type { RangeOptions, StorageOp, StoragePort } from './port';
export { createMemoryStorage } from './memory';
export { createIndexedDbStorage } from './indexeddb';
