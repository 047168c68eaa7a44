// The presence port: which users have a socket on some relay, and when each was last seen.

/** One user's presence as the store knows it. */
export interface PresenceEntry {
  /** Some relay holds a socket of theirs and refreshed that within its time to live. */
  online: boolean;
  /** When a relay last saw them connected (ms since the epoch); null when never, or forgotten. */
  lastSeen: number | null;
}

/**
 * Where relays record the users they hold sockets of, and the API reads it back. Every relay of a
 * cluster writes its own entry per user, so one relay letting go of a user (or dying) does not hide
 * the sockets another relay holds. An entry lives for the `ttlMs` it was written with: a relay that
 * dies without a word leaves entries that expire by themselves.
 */
export interface PresenceStore {
  /** Relay `relayId` holds a socket of each of `userIds`: online until `ttlMs` from now unless held again; seen now. */
  hold(relayId: string, userIds: readonly string[], ttlMs: number): Promise<void>;
  /** Relay `relayId` holds no socket of `userId` any more: offline unless another relay holds one; seen now. */
  release(relayId: string, userId: string): Promise<void>;
  /**
   * Presence of each user, in the order asked (repeats answered again). A user no relay ever held is
   * `{ online: false, lastSeen: null }`. Throws MekongError UNAVAILABLE when the store cannot answer.
   */
  lookup(userIds: readonly string[]): Promise<PresenceEntry[]>;
  close(): Promise<void>;
}
