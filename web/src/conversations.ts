// Ordering and previews of the conversation list, pure so they can be unit-tested.
import type { ConversationSummary, MessageView } from '@mekong/client-core';
import type { MessageKey, Vars } from './i18n';

/**
 * Newest activity first. A conversation without messages was just opened, so it goes on top;
 * ties keep the peer's name order so the list does not shuffle between renders.
 */
export function sortConversations(list: readonly ConversationSummary[]): ConversationSummary[] {
  const last = (c: ConversationSummary) => c.lastMessage?.sentAt ?? Number.POSITIVE_INFINITY;
  return [...list].sort((a, b) => last(b) - last(a) || a.peer.displayName.localeCompare(b.peer.displayName));
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
  const kindKey = KIND_KEYS[message.kind];
  const text = message.text.replace(/\s+/g, ' ').trim();
  if (kindKey) return text ? `${t(kindKey)}: ${text}` : t(kindKey);
  return text;
}

/** The grey line under a conversation's name: "You: …" for your own last message. */
export function previewLine(summary: ConversationSummary, t: T): string {
  const message = summary.lastMessage;
  if (!message) return '';
  const text = messageSummary(message, t);
  return message.mine ? t('main.you', { text }) : text;
}
