// The relay's ports: the few side effects it depends on, each small enough to implement in an afternoon.

/**
 * The durable, append-only log of encrypted envelopes, one sequence per conversation.
 * Sequence numbers start at 1 and have no holes; an append is visible to `readAfter` once its promise resolves.
 */
export interface LogStore {
  /** Atomic. A repeated (conv, device, counter) stores nothing and returns the seq of the first append. */
  append(conv: string, device: string, counter: number, envelope: Uint8Array): Promise<{ seq: number; duplicate: boolean }>;
  /** Entries with seq > `after`, ascending, at most `limit`. */
  readAfter(conv: string, after: number, limit: number): Promise<Array<{ seq: number; envelope: Uint8Array }>>;
  /** Highest seq of the conversation; 0 when it has none. */
  head(conv: string): Promise<number>;
  /** Stores the snapshot only when seq > the current snapshot's seq and seq <= head; says whether it did. */
  putSnapshot(conv: string, seq: number, device: string, envelope: Uint8Array): Promise<boolean>;
  latestSnapshot(conv: string): Promise<{ seq: number; envelope: Uint8Array } | undefined>;
  close(): Promise<void>;
}

/**
 * What travels on the fan-out bus. `origin` is the id of the connection that caused it, so that one is skipped.
 * `publishedAt` (wall-clock ms at the append) is set by relays that keep metrics, for the fan-out lag.
 */
export type BusMessage =
  | { kind: 'update'; seq: number; envelope: Uint8Array; origin: string; publishedAt?: number }
  | { kind: 'ephemeral'; envelope: Uint8Array; origin: string };

/** One handler's subscription to a conversation on the bus. */
export interface BusSubscription {
  /**
   * Resolves once messages published from then on reach the handler; rejects (MekongError UNAVAILABLE)
   * when the bus cannot subscribe in time. Read the log only after it resolves, so nothing committed
   * between that read and going live can fall between the two.
   */
  readonly ready: Promise<void>;
  /** Ends this subscription; idempotent. */
  unsubscribe(): void;
}

/**
 * Fan-out between connections, in one process or between relay processes.
 * At-most-once: a subscriber may miss messages; catch-up from the log repairs that.
 */
export interface FanoutBus {
  publish(conv: string, msg: BusMessage): Promise<void>;
  subscribe(conv: string, handler: (msg: BusMessage) => void): BusSubscription;
  /**
   * Calls `listener` when the bus may have lost messages (a dropped connection, a failed publish,
   * an unreadable payload), once live delivery works again: for one conversation, or for every
   * conversation when `conv` is undefined. Subscribers then re-read the log. Returns the function
   * that stops listening.
   */
  onGap(listener: (conv?: string) => void): () => void;
  close(): Promise<void>;
}

/** Who may read and write a conversation. */
export interface Directory {
  isMember(conv: string, userId: string): Promise<boolean>;
}

/** What a verified access token says. */
export interface TokenClaims {
  userId: string;
  deviceId?: string;
  expiresAt: number;
  /** The session the token was issued for, when the verifier can check a session again (`recheck`). */
  sessionId?: string;
}

/** Checks an access token. Throws MekongError UNAUTHENTICATED or TOKEN_EXPIRED when it is not acceptable. */
export interface TokenVerifier {
  verify(token: string): Promise<TokenClaims>;
  /**
   * Checks again that the session behind claims verified earlier is still open and its user not
   * banned, throwing as `verify` does. With it the relay keeps a connection's session id instead of
   * its token for the checks after a gap in revocations: about 40 bytes per connection instead of
   * about 300. Without it, the token is kept and verified again.
   */
  recheck?(session: { userId: string; deviceId?: string; sessionId: string }): Promise<void>;
}

/** The relay's view of one client socket, whatever the transport. */
export interface RelaySocket {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written; catch-up pauses while this is high. */
  readonly bufferedAmount: number;
}

/**
 * Access taken away somewhere in the cluster: a device signed out (`device`), a user banned (`user`:
 * every device), or a user no longer allowed in one conversation (`member`: removed, left, group
 * disbanded, blocked in a 1-1). The database already says so when the event is published; the event
 * only tells relays to act on open sockets now instead of at the next check.
 */
export type Revocation =
  | { kind: 'device'; userId: string; deviceId: string }
  | { kind: 'user'; userId: string }
  | { kind: 'member'; conversationId: string; userId: string };

/**
 * A user was given a conversation somewhere in the cluster: a group created with them, a member
 * added, a 1-1 conversation started with them. Only a hint for that user's open devices to re-read
 * their conversation list now: it grants nothing at the relay, carries no secret, and the list the
 * devices read over authenticated HTTP is the truth.
 */
export type Joined = { kind: 'joined'; conversationId: string; userId: string };

/**
 * A conversation changed somewhere in the cluster outside its own updates: renamed, its membership
 * log appended (a member added or removed, a role changed, keys rotated), a 1-1 unblocked. Only a
 * hint for the devices following it to re-read their conversation list now; relays pass it to the
 * sockets subscribed to the conversation, so it names no user.
 */
export type Changed = { kind: 'changed'; conversationId: string };

/** The hints the revocation bus carries beside revocations: nothing is taken away by them. */
export type ListHint = Joined | Changed;

/** Everything the revocation bus carries: revocations and hints. */
export type AccessEvent = Revocation | ListHint;

/** One listener on the revocation bus. */
export interface RevocationSubscription {
  /** Resolves once events published from then on reach the handler; rejects (UNAVAILABLE) when the bus cannot listen in time. */
  readonly ready: Promise<void>;
  /** Stops the handler; idempotent. */
  unsubscribe(): void;
}

/**
 * Broadcasts revocations to every relay of the cluster. Events are idempotent and carry no secret.
 * Delivery is best effort; what a listener may have missed is announced through `onGap`, after
 * which the relay re-checks what it holds against the database (the source of truth).
 *
 * Join and change hints travel here too. They have the same audience (every relay, since any of them may
 * hold the user's sockets), the same delivery (best effort, after the database change) and the
 * same truth (the database), so a bus of their own would only add two Redis connections per
 * process and the wiring to match. They stay apart from revocations where it matters: a join
 * reaches only `subscribeHints` handlers, never `subscribe` ones, and a lost or unreadable join
 * is no gap (nothing is re-checked; the device sees the conversation at its next list refresh).
 */
export interface RevocationBus {
  /**
   * Sends `event` to every listener of its kind. Throws BAD_REQUEST for a malformed event, and
   * UNAVAILABLE when it could not be handed over in time (adapters that queue keep trying in the
   * background).
   */
  publish(event: AccessEvent): Promise<void>;
  subscribe(handler: (event: Revocation) => void): RevocationSubscription;
  /** Join and change hints only; a separate subscription so revocation handlers never see them. */
  subscribeHints(handler: (event: ListHint) => void): RevocationSubscription;
  /** Calls `listener` once listening works again after revocations may have been missed; returns the function that stops it. */
  onGap(listener: () => void): () => void;
  close(): Promise<void>;
}
