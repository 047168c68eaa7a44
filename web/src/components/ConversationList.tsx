// The list of chats: a person or a group (with its member count), last message, time and unread count.
import type { ConversationSummary } from '@mekong/client-core';
import type { ReactNode } from 'react';
import { previewLine, titleOf } from '../conversations';
import { formatListTime } from '../format';
import { useI18n } from '../i18n';
import { Avatar } from './Avatar';
import { GroupIcon } from './icons';

interface Props {
  conversations: ConversationSummary[];
  selectedId: string | null;
  now: number;
  onSelect(id: string): void;
  /** Accessible name of the list. */
  label: string;
  /** Something to show beside an item (the accept button of a message request). */
  aside?(c: ConversationSummary): ReactNode;
}

export function ConversationList({ conversations, selectedId, now, onSelect, label, aside }: Props) {
  const { t, lang } = useI18n();
  const words = { today: t('chat.today'), yesterday: t('chat.yesterday') };
  return (
    <ul className="conversation-list" aria-label={label}>
      {conversations.map((c) => {
        const selected = c.id === selectedId;
        const unread = selected ? 0 : c.unread; // the open chat is being read right now
        const title = titleOf(c);
        const isGroup = c.kind === 'group';
        const count = c.group?.members.length ?? 0;
        const fallback = isGroup ? t('group.memberCount', { count }) : c.peer.username ? `@${c.peer.username}` : '';
        return (
          <li key={c.id} className="conversation-row">
            <button
              type="button"
              className={`conversation-item${selected ? ' conversation-item--selected' : ''}${unread ? ' conversation-item--unread' : ''}`}
              data-testid="conversation-item"
              data-conversation-id={c.id}
              data-kind={c.kind}
              aria-current={selected ? 'true' : undefined}
              onClick={() => onSelect(c.id)}
            >
              <Avatar userId={c.peer.id} name={title} group={isGroup} />
              <span className="conversation-body">
                <span className="conversation-top">
                  <span className="conversation-name">
                    {isGroup ? <GroupIcon className="conversation-kind" title={t('group.label')} /> : null}
                    <span data-testid="conversation-title">{title}</span>
                  </span>
                  {isGroup ? (
                    <span className="conversation-members" data-testid="conversation-members" data-count={count} title={t('group.memberCount', { count })}>
                      <span aria-hidden="true">{count}</span>
                      <span className="visually-hidden">{t('group.memberCount', { count })}</span>
                    </span>
                  ) : null}
                  {c.lastMessage ? (
                    <time className="conversation-time" dateTime={new Date(c.lastMessage.sentAt).toISOString()}>
                      {formatListTime(c.lastMessage.sentAt, now, lang, words)}
                    </time>
                  ) : null}
                </span>
                <span className="conversation-bottom">
                  <span className="conversation-preview" data-testid="conversation-preview">
                    {previewLine(c, t) || fallback}
                  </span>
                  {c.unverifiedMembers?.length ? (
                    <span className="conversation-warning" data-testid="conversation-warning" title={t('group.unverified.short')}>
                      !<span className="visually-hidden">{t('group.unverified.short')}</span>
                    </span>
                  ) : null}
                  {unread > 0 ? (
                    <span className="unread-badge" data-testid="unread-badge" data-count={unread}>
                      <span aria-hidden="true">{unread > 99 ? '99+' : unread}</span>
                      <span className="visually-hidden">{t('main.unread', { count: unread })}</span>
                    </span>
                  ) : null}
                </span>
              </span>
            </button>
            {aside ? aside(c) : null}
          </li>
        );
      })}
    </ul>
  );
}
