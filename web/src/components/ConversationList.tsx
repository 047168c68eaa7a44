// The list of chats: peer, last message, time and unread count.
import type { ConversationSummary } from '@mekong/client-core';
import { previewLine } from '../conversations';
import { formatListTime } from '../format';
import { useI18n } from '../i18n';
import { Avatar } from './Avatar';

interface Props {
  conversations: ConversationSummary[];
  selectedId: string | null;
  now: number;
  onSelect(id: string): void;
}

export function ConversationList({ conversations, selectedId, now, onSelect }: Props) {
  const { t, lang } = useI18n();
  const words = { today: t('chat.today'), yesterday: t('chat.yesterday') };
  return (
    <ul className="conversation-list" aria-label={t('main.conversations')}>
      {conversations.map((c) => {
        const selected = c.id === selectedId;
        const unread = selected ? 0 : c.unread; // the open chat is being read right now
        return (
          <li key={c.id}>
            <button
              type="button"
              className={`conversation-item${selected ? ' conversation-item--selected' : ''}${unread ? ' conversation-item--unread' : ''}`}
              data-testid="conversation-item"
              data-conversation-id={c.id}
              aria-current={selected ? 'true' : undefined}
              onClick={() => onSelect(c.id)}
            >
              <Avatar userId={c.peer.id} name={c.peer.displayName} />
              <span className="conversation-body">
                <span className="conversation-top">
                  <span className="conversation-name">{c.peer.displayName}</span>
                  {c.lastMessage ? (
                    <time className="conversation-time" dateTime={new Date(c.lastMessage.sentAt).toISOString()}>
                      {formatListTime(c.lastMessage.sentAt, now, lang, words)}
                    </time>
                  ) : null}
                </span>
                <span className="conversation-bottom">
                  <span className="conversation-preview" data-testid="conversation-preview">
                    {previewLine(c, t) || `@${c.peer.username}`}
                  </span>
                  {unread > 0 ? (
                    <span className="unread-badge" data-testid="unread-badge" data-count={unread}>
                      <span aria-hidden="true">{unread > 99 ? '99+' : unread}</span>
                      <span className="visually-hidden">{t('main.unread', { count: unread })}</span>
                    </span>
                  ) : null}
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
