// Presence: which users have a socket on some relay of the cluster, and when each was last seen.
export { createMemoryPresence, type MemoryPresenceOptions } from './memory';
export type { PresenceEntry, PresenceStore } from './port';
export { createRedisPresence, type RedisPresence, type RedisPresenceOptions } from './redis';
export { PRESENCE_HEARTBEAT_MS, PRESENCE_TTL_MS, PresenceTracker, type PresenceTrackerOptions } from './tracker';
