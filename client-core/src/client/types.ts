// Public types of the client API.
import type { MessageKind } from '@mekong/schema';
import type { ConnectionStatus } from '../sync/connection';
import type { Social } from './social';

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
  /** recalled by its author: `text` is empty for everyone */
  recalled?: boolean;
  /** user id → emoji, one per user; absent when nobody reacted */
  reactions?: Record<string, string>;
}

/**
 * One entry of the conversation list, newest activity first.
 * @example
 * for (const c of await client.conversations()) console.log(c.peer.displayName, c.unread, c.lastMessage?.text);
 */
export interface ConversationSummary {
  id: string;
  kind: 'direct' | 'group';
  /** The other person (direct), or the group itself as a pseudo-profile: id = group id, displayName = name. */
  peer: UserProfile;
  /** What a list shows: the peer's display name or the group's name. */
  title: string;
  /** Groups: the members and roles as the verified membership log says. */
  group?: GroupInfo;
  lastMessage?: MessageView;
  unread: number;
  /**
   * Users the server lists as members but the verified membership log does not: a sign that the
   * server added someone on its own. They receive no keys and cannot read; apps should warn.
   */
  unverifiedMembers?: string[];
}

export type GroupRole = 'owner' | 'admin' | 'member';

/**
 * A group as this device verified it from the signed membership log.
 * @example
 * const g = await client.createGroup({ name: 'Nhà mình', members: ['minh', 'hoa'] });
 * g.members.map((m) => `${m.displayName} (${m.role})`);
 */
export interface GroupInfo {
  id: string;
  name: string;
  members: Array<UserProfile & { role: GroupRole }>;
  /** The caller's role. */
  role: GroupRole;
  /** The current key epoch: it advances on every removal, leave and rotation. */
  epoch: number;
}

/** A friend, a pending request or a search hit. */
export interface FriendInfo {
  user: UserProfile;
  since: number;
}
export interface FriendRequestInfo {
  id: string;
  user: UserProfile;
  createdAt: number;
}
export type Relation = 'none' | 'friend' | 'outgoing' | 'incoming' | 'blocked';

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
  /**
   * Change the text of one of your messages; everyone sees the new text and `editedAt`.
   * Rejects with FORBIDDEN for someone else's message, BAD_REQUEST for a recalled one.
   * @example const v = await chat.edit(m.id, 'Hẹn 7 giờ nhé');
   */
  edit(messageId: string, text: string): Promise<MessageView>;
  /**
   * Set your reaction to a message, or remove it with `null`; one reaction per person.
   * @example await chat.react(m.id, '❤️');
   */
  react(messageId: string, emoji: string | null): Promise<void>;
  /**
   * Recall one of your messages for everyone: its text and media are removed and it shows as recalled.
   * Rejects with FORBIDDEN for someone else's message.
   * @example await chat.recall(m.id);
   */
  recall(messageId: string): Promise<MessageView>;
  /** Pin a message (groups: admins and the owner; 1-1: both people). */
  pin(messageId: string): Promise<void>;
  unpin(messageId: string): Promise<void>;
  /** Pinned messages, newest pin first; pins by people who may no longer pin are not shown. */
  pinned(): Promise<MessageView[]>;
  /** Called with the full window on every change. Returns an unsubscribe function. */
  subscribe(cb: (messages: MessageView[]) => void): () => void;
  markRead(): Promise<void>;
  /** Resolves when this device has caught up with the relay and its outbox is empty. */
  synced(timeoutMs?: number): Promise<void>;
  /**
   * Tell the other members this user is typing: call it on every keystroke (it sends at most one
   * signal every 3 s, and "stopped" after 3 s without a keystroke), or with `false` when the user
   * stopped (cleared the input). Sending a message says "stopped" too. Encrypted; never stored.
   * @example input.oninput = () => chat.typing();
   */
  typing(active?: boolean): void;
  /**
   * Who else is typing here: called at once, then whenever the list changes. Someone drops off
   * when they say they stopped, when their message arrives, or 6 s after their last signal.
   * Returns an unsubscribe function.
   * @example chat.onTyping((users) => (hint.textContent = users.map((u) => u.displayName).join(', ')));
   */
  onTyping(cb: (users: UserProfile[]) => void): () => void;
  close(): void;
}

/**
 * Whether a user is connected (any device, any relay) and when they were last seen. Someone the
 * server will not tell you about (not a friend, no shared conversation, or a block either way)
 * reads exactly like a user who was never online: `online: false, lastSeen: null`.
 * @example
 * const [minh] = await client.presence(['minh']);
 * label(minh.online ? 'online' : minh.lastSeen ? `seen ${ago(minh.lastSeen)}` : '');
 */
export interface PresenceInfo {
  userId: string;
  online: boolean;
  /** ms since the epoch; for someone online, the relay's last heartbeat (at most ~20 s ago). */
  lastSeen: number | null;
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
  /** Many users at once (in the order asked, each once); NOT_FOUND names every username nobody holds. */
  findUsers(usernames: string[]): Promise<UserProfile[]>;
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

  /** Friends, friend requests, blocks, user search and message requests. */
  readonly social: Social;

  /** Create a group with the caller as owner; members are usernames. */
  /** `avatar`: the id of an encrypted image uploaded with `uploadMedia`. */
  createGroup(p: { name: string; members: string[]; description?: string; avatar?: string }): Promise<GroupInfo>;
  /** Groups this device follows, as their verified membership logs say. */
  groups(): Promise<GroupInfo[]>;
  group(groupId: string): Promise<GroupInfo>;
  /** Admins and the owner: add a member, who receives the current key. */
  addMember(groupId: string, username: string, role?: Exclude<GroupRole, 'owner'>): Promise<GroupInfo>;
  /** Admins and the owner: remove a member; a new key epoch starts that they never receive. */
  removeMember(groupId: string, username: string): Promise<GroupInfo>;
  /** Owner only: change a role; making someone owner hands ownership over. */
  setRole(groupId: string, username: string, role: GroupRole): Promise<GroupInfo>;
  leaveGroup(groupId: string): Promise<void>;
  updateGroup(groupId: string, p: { name?: string; description?: string | null; avatar?: string | null }): Promise<GroupInfo>;
  /** Owner only: delete the group for everyone. */
  disbandGroup(groupId: string): Promise<void>;
  /** Start a new key epoch in a conversation now; returns the new epoch. */
  rotateKeys(conversationId: string): Promise<number>;
  /** This user's devices, the one in use marked `current`. */
  devices(): Promise<Array<{ id: string; createdAt: number; current: boolean }>>;
  /** Retire another device of this user; every conversation then moves to a key it never gets. */
  removeDevice(deviceId: string): Promise<void>;
  /**
   * Presence of users, in the order given: a string is a username, `{ id }` (a `UserProfile`, a
   * group member) a user id. Ask again to refresh; nothing is pushed.
   */
  presence(users: Array<string | { id: string }>): Promise<PresenceInfo[]>;
}
