// Public types of the client API.
import type { MessageKind } from '@mekong/schema';
import type { ConnectionStatus } from '../sync/connection';

export type { ConnectionStatus };

/**
 * The logged-in user on this device.
 * @example
 * if (client.session) console.log(`signed in as @${client.session.username}`);
 */
export interface Session {
  userId: string;
  username: string;
  displayName: string;
  deviceId: string;
}

/**
 * Public profile of a user.
 * @example
 * const minh = await client.findUser('minh'); // { id, username: 'minh', displayName: 'Minh' }
 */
export interface UserProfile {
  id: string;
  username: string;
  displayName: string;
}

/**
 * A message as an app shows it.
 * @example
 * chat.subscribe((ms) => ms.forEach((m) => console.log(m.mine ? 'me' : m.from.displayName, m.text, m.status)));
 */
export interface MessageView {
  id: string;
  conversationId: string;
  from: { userId: string; username?: string; displayName?: string };
  mine: boolean;
  kind: MessageKind;
  text: string;
  /** ms since the epoch, the author's clock */
  sentAt: number;
  /** 'pending' until the relay has durably accepted it */
  status: 'pending' | 'sent';
  editedAt?: number;
  recalled?: boolean;
}

/**
 * One entry of the conversation list, newest activity first.
 * @example
 * for (const c of await client.conversations()) console.log(c.peer.displayName, c.unread, c.lastMessage?.text);
 */
export interface ConversationSummary {
  id: string;
  kind: 'direct';
  peer: UserProfile;
  lastMessage?: MessageView;
  unread: number;
}

/**
 * One open conversation: a window of the newest messages that grows with `loadOlder`.
 * @example
 * const chat = await client.openDirect('minh');
 * const off = chat.subscribe(render);
 * await chat.send('Chào Minh!');   // stored locally at once, sent when the relay is reachable
 * await chat.markRead();
 * off(); chat.close();
 */
export interface Conversation {
  readonly id: string;
  readonly peer: UserProfile;
  /** Loaded messages, oldest first. */
  messages(): MessageView[];
  /** Load up to `count` older messages from local storage; false when there are none. */
  loadOlder(count?: number): Promise<boolean>;
  /** Resolves once the message is stored on this device; it is sent as soon as the relay is reachable. */
  send(text: string): Promise<MessageView>;
  /** Called with the full window on every change. Returns an unsubscribe function. */
  subscribe(cb: (messages: MessageView[]) => void): () => void;
  markRead(): Promise<void>;
  /** Resolves when this device has caught up with the relay and its outbox is empty. */
  synced(timeoutMs?: number): Promise<void>;
  close(): void;
}

/**
 * A Mekong client: one user on one device. Create it with `createClient` (or `createNodeClient`).
 * @example
 * const client = await createClient({ server: location.origin, storage: await createIndexedDbStorage('mekong') });
 * client.onStatus((s) => banner(s));            // 'offline' | 'connecting' | 'online'
 * client.onProblem((e) => console.warn(e.message));
 * if (!client.session) await client.login({ username: 'lan', password });
 */
export interface MekongClient {
  readonly session: Session | null;
  register(p: { username: string; password: string; displayName: string }): Promise<Session>;
  login(p: { username: string; password: string }): Promise<Session>;
  logout(): Promise<void>;
  findUser(username: string): Promise<UserProfile>;
  conversations(): Promise<ConversationSummary[]>;
  onConversationsChanged(cb: () => void): () => void;
  openDirect(username: string): Promise<Conversation>;
  open(conversationId: string): Promise<Conversation>;
  readonly status: ConnectionStatus;
  onStatus(cb: (s: ConnectionStatus) => void): () => void;
  /** Problems the client noticed and did not throw (a refused update, an unverifiable message). */
  onProblem(cb: (err: Error) => void): () => void;
  /**
   * The safety number shared with another user: both sides see the same 60 digits when nobody
   * sits in between. `changed` is true when the server now presents a different identity key for
   * them than the one first seen; compare the numbers in person, then call `verifySafetyNumber`.
   */
  safetyNumber(username: string): Promise<{ number: string; changed: boolean; verified: boolean }>;
  /** Record that the current identity key of `username` was checked in person. */
  verifySafetyNumber(username: string): Promise<void>;
  /** Reconnect immediately (e.g. the browser reports it is online again). */
  reconnect(): void;
  close(): Promise<void>;
}
