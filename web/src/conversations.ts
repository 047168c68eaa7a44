// Ordering and previews of the conversation list, pure so they can be unit-tested.
import type { ConversationSummary, GroupInfo, MessageView } from '@mekong/client-core';
import type { MessageKey, Vars } from './i18n';
import { systemNotice } from './system-notice';

/**
 * Newest activity first. A conversation without messages was just opened, so it goes on top;
 * ties keep the peer's name order so the list does not shuffle between renders.
 */
export function sortConversations(list: readonly ConversationSummary[]): ConversationSummary[] {
  const last = (c: ConversationSummary) => c.lastMessage?.sentAt ?? Number.POSITIVE_INFINITY;
  return [...list].sort((a, b) => last(b) - last(a) || titleOf(a).localeCompare(titleOf(b)));
}

type T = (key: MessageKey, vars?: Vars) => string;

const KIND_KEYS: Partial<Record<MessageView['kind'], MessageKey>> = {
  sticker: 'kind.sticker',
  image: 'kind.image',
  video: 'kind.video',
  file: 'kind.file',
};

/** What a message says in one line: its text, or a label for media, recalls and stickers. */
export function messageSummary(message: MessageView, t: T): string {
  if (message.recalled) return t('chat.recalled');
  if (message.kind === 'system') return systemNotice(message.text, t);
  const kindKey = KIND_KEYS[message.kind];
  const text = message.text.replace(/\s+/g, ' ').trim();
  if (kindKey) return text ? `${t(kindKey)}: ${text}` : t(kindKey);
  return text;
}

/** What the list and the chat header call a conversation: the group's name or the other person's. */
export function titleOf(summary: ConversationSummary): string {
  return summary.title || summary.group?.name || summary.peer.displayName;
}

/**
 * Who wrote a message: the name on the message, else the one the group's member list knows, else
 * their @username, else an empty string (profiles load in the background and then fill in).
 */
export function authorName(message: MessageView, group?: GroupInfo): string {
  if (message.from.displayName) return message.from.displayName;
  const member = group?.members.find((m) => m.id === message.from.userId);
  if (member?.displayName) return member.displayName;
  const username = message.from.username || member?.username;
  return username ? `@${username}` : '';
}

/**
 * The grey line under a conversation's name: "You: …" for your own last message and, in a group,
 * "Minh: …" for someone else's, so the list says who spoke. System notices stand alone.
 */
export function previewLine(summary: ConversationSummary, t: T): string {
  const message = summary.lastMessage;
  if (!message) return '';
  const text = messageSummary(message, t);
  if (message.kind === 'system') return text;
  if (message.mine) return t('main.you', { text });
  const name = summary.kind === 'group' ? authorName(message, summary.group) : '';
  return name ? t('main.author', { name, text }) : text;
}

/**
 * Splits the list into ordinary chats and message requests (direct chats started by someone who
 * is not a friend and not yet accepted), which the app keeps apart as every messenger does.
 */
export function splitRequests(
  list: readonly ConversationSummary[],
  requestIds: ReadonlySet<string>,
): { chats: ConversationSummary[]; requests: ConversationSummary[] } {
  const chats: ConversationSummary[] = [];
  const requests: ConversationSummary[] = [];
  for (const c of list) (c.kind === 'direct' && requestIds.has(c.id) ? requests : chats).push(c);
  return { chats, requests };
}

/** The members line of a group's header: names, yourself last as "you", cut short after a few. */
export function memberLine(group: GroupInfo, selfId: string, t: T, max = 4): string {
  const others = group.members.filter((m) => m.id !== selfId).map((m) => m.displayName || (m.username ? `@${m.username}` : '…'));
  const shown = others.slice(0, max);
  const rest = others.length - shown.length;
  const names = [...shown, ...(group.members.some((m) => m.id === selfId) ? [t('group.you')] : [])];
  return rest > 0 ? t('group.membersMore', { names: names.join(', '), count: rest }) : names.join(', ');
}
