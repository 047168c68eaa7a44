// In-process PresenceStore: for one-process deployments, where the relay and the API share it.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { PresenceEntry, PresenceStore } from './port';

export interface MemoryPresenceOptions {
  /** Clock in ms; Date.now by default. */
  now?: () => number;
  /** How long a last-seen time is kept after the user was last seen. Default 30 days. */
  lastSeenTtlMs?: number;
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * A PresenceStore in this process's memory.
 * @example
 * const presence = createMemoryPresence();
 * createRelay({ log, directory, tokens, presence });
 */
export function createMemoryPresence(options: MemoryPresenceOptions = {}): PresenceStore {
  const now = options.now ?? Date.now;
  const keepSeen = options.lastSeenTtlMs ?? 30 * DAY;
  /** user → relay → expiry (ms) */
  const relays = new Map<string, Map<string, number>>();
  const seen = new Map<string, number>();
  let closed = false;
  const check = () => {
    if (closed) throw new MekongError(ErrorCode.UNAVAILABLE, 'the presence store is closed');
  };

  const see = (userId: string, at: number) => seen.set(userId, Math.max(at, seen.get(userId) ?? 0));

  return {
    async hold(relayId, userIds, ttlMs) {
      check();
      const at = now();
      for (const userId of userIds) {
        let held = relays.get(userId);
        if (!held) {
          held = new Map();
          relays.set(userId, held);
        }
        for (const [relay, expires] of held) if (expires <= at) held.delete(relay);
        held.set(relayId, at + ttlMs);
        see(userId, at);
      }
    },
    async release(relayId, userId) {
      check();
      const held = relays.get(userId);
      held?.delete(relayId);
      if (held?.size === 0) relays.delete(userId);
      see(userId, now());
    },
    async lookup(userIds) {
      check();
      const at = now();
      return userIds.map((userId): PresenceEntry => {
        const held = relays.get(userId);
        const online = held !== undefined && [...held.values()].some((expires) => expires > at);
        const last = seen.get(userId);
        return { online, lastSeen: last !== undefined && at - last < keepSeen ? last : null };
      });
    },
    async close() {
      closed = true;
      relays.clear();
      seen.clear();
    },
  };
}
