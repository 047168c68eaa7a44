// Public types of the client API.
import type { MessageKind } from '@mekong/schema';
import type { ConnectionStatus } from '../sync/connection';

export type { ConnectionStatus };

/** The logged-in user on this device. */
export interface Session {
  userId: string;
  username: string;
  displayName: string;
  deviceId: string;
}

export interface UserProfile {
  id: string;
  username: string;
  displayName: string;
}

/** A message as an app shows it. */
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

export interface ConversationSummary {
  id: string;
  kind: 'direct';
  peer: UserProfile;
  lastMessage?: MessageView;
  unread: number;
}

/** One open conversation: a window of the newest messages that grows with `loadOlder`. */
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
  /** Reconnect immediately (e.g. the browser reports it is online again). */
  reconnect(): void;
  close(): Promise<void>;
}
