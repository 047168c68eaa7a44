// What the parts of the client share: its options, the services a logged-in device runs, and the
// few client callbacks that groups, followed conversations and relay frames need.
import type { PasswordDeriver } from '../crypto';
import type { ApiClient } from '../http/api';
import type { DeviceDirectory } from '../keys/directory';
import type { KeyManager } from '../keys/manager';
import type { DeviceSecrets } from '../keys/secrets';
import type { MembershipTracker } from '../membership/tracker';
import type { EphemeralChannel } from '../presence';
import type { StoragePort } from '../storage';
import type { ConnectionStatus, RelayConnection } from '../sync/connection';
import type { Replica } from '../sync/replica';
import type { Transport } from '../transport/port';
import type { Session, UserProfile } from './types';

export interface ClientOptions {
  /** Base URL of the Mekong server, e.g. `https://chat.example.com` or `http://localhost:8787`. */
  server: string;
  /**
   * Base URL of the relay when it is served apart from the API, e.g. `https://sync.example.com`;
   * the client connects to `/sync` there. Default: `server`.
   */
  relay?: string;
  storage: StoragePort;
  /** Defaults to the global WebSocket (browsers); pass the `ws` transport in Node (see `@mekong/client-core/node`). */
  transport?: Transport;
  fetch?: typeof fetch;
  now?: () => number;
  /**
   * How often to re-read the conversation list while online. Default 60 s. The list is re-read at
   * once when the relay hints at a change: `joined` when this user was given a conversation (a
   * group created with them, a member added, a 1-1 started or unblocked), `changed` when a
   * conversation this device follows changed outside its own updates (renamed, a member added or
   * removed, a role changed, keys rotated). It is also re-read on every (re)connect, so a hint lost
   * while the relay was out of reach is caught on reconnecting, and the first update from an unknown
   * device or epoch makes the device re-read it too. The poll covers what is left: a hint lost in
   * the cluster (Redis blinked). Tests pass other values.
   */
  pollIntervalMs?: number;
  snapshotEvery?: number;
  /**
   * How username and password become the login secret and the backup key (one Argon2id run, ≈0.3 s
   * here and seconds on a slow phone). Default: `derivePasswordSecrets` on this thread. A browser
   * app passes one that runs it in a worker so that the page keeps painting meanwhile; the web app
   * does (web/src/password.ts).
   */
  derivePassword?: PasswordDeriver;
  /** Reconnect backoff bounds in ms (default 250 ms to 15 s). */
  reconnect?: { minMs?: number; maxMs?: number };
  /** Periodic key rotation: a new epoch after this long (default 7 days) or this many updates in one epoch (default 10,000). */
  rotation?: { afterMs?: number; afterUpdates?: number };
}

/** The services of a logged-in device, from `start` to `stop`. */
export interface Running {
  secrets: DeviceSecrets;
  directory: DeviceDirectory;
  keys: KeyManager;
  memberships: MembershipTracker;
  connection: RelayConnection;
  replicas: Map<string, Replica>;
  poll: ReturnType<typeof setInterval> | null;
  /** the relay connection and polling start on this timer, after the first page could be read */
  syncSoon: ReturnType<typeof setTimeout> | null;
  /** typing signals (encrypted, relayed, never stored) */
  ephemeral: EphemeralChannel;
  /** stop following the browser's online/offline events */
  unwatchNetwork: (() => void) | null;
}

/** The client as its parts see it. */
export interface ClientContext {
  readonly opts: ClientOptions;
  readonly api: ApiClient;
  readonly now: () => number;
  /** The running services, or null while logged out or closed. */
  run(): Running | null;
  /** The running services; throws UNAUTHENTICATED while logged out. */
  requireRun(): Running;
  /** The logged-in session; call after `requireRun`. */
  session(): Session;
  status(): ConnectionStatus;
  findUser(username: string): Promise<UserProfile>;
  /** Many users by username in one round trip; NOT_FOUND names every username nobody holds. */
  findUsers(usernames: string[]): Promise<UserProfile[]>;
  profile(userId: string): Promise<UserProfile>;
  /** A profile already known on this device, without asking the server. */
  knownProfile(userId: string): { username: string; displayName: string } | undefined;
  report(err: unknown): void;
  /** Tell the app that the conversation list changed. */
  conversationsChanged(): void;
  /**
   * Re-read the conversation list and follow what is new. Joins the refresh in flight, or with
   * `fresh` waits for one that starts after this call (queued behind the one in flight and shared
   * by every `fresh` caller meanwhile), for a hint that the list has just changed.
   */
  refreshConversations(opts?: { fresh?: boolean }): Promise<void>;
}
