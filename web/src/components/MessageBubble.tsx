// One message: text, time, and for your own messages a clock (waiting for the relay) or a check (sent).
import type { MessageView } from '@mekong/client-core';
import { memo } from 'react';
import { messageSummary } from '../conversations';
import { isEmojiOnly } from '../emoji';
import { formatClock } from '../format';
import { useI18n } from '../i18n';
import { systemNotice } from '../system-notice';
import { CheckIcon, ClockIcon } from './icons';

interface Props {
  message: MessageView;
  groupStart: boolean;
  groupEnd: boolean;
  /** In a group: who wrote it, shown above the first bubble of each run of theirs. */
  author?: string;
}

function Bubble({ message, groupStart, groupEnd, author }: Props) {
  const { t, lang } = useI18n();
  const time = formatClock(message.sentAt, lang);

  // "@lan added @tuan": a centred line of the conversation, not something anyone said
  if (message.kind === 'system') {
    return (
      <div className="message-system" data-testid="system-notice" data-message-id={message.id} role="note">
        <span>{systemNotice(message.text, t)}</span>
        <time dateTime={new Date(message.sentAt).toISOString()}>{time}</time>
      </div>
    );
  }
  const showAuthor = Boolean(author) && groupStart && !message.mine;

  // a few emoji alone are drawn large, like a sticker
  const big = !message.recalled && (message.kind === 'sticker' || isEmojiOnly(message.text));
  const classes = [
    'message',
    message.mine ? 'message--mine' : 'message--theirs',
    groupStart ? 'message--group-start' : '',
    groupEnd ? 'message--group-end' : '',
    big ? 'message--big' : '',
    message.recalled ? 'message--recalled' : '',
  ]
    .filter(Boolean)
    .join(' ');

  return (
    <div
      className={classes}
      data-testid="message"
      data-message-id={message.id}
      data-status={message.status}
      data-mine={message.mine ? 'true' : 'false'}
    >
      <div className="bubble">
        {showAuthor ? (
          <span className="message-author" data-testid="message-author">
            {author}
          </span>
        ) : null}
        <p className="message-text" data-testid="message-text">
          {message.recalled ? t('chat.recalled') : message.kind === 'text' || big ? message.text : messageSummary(message, t)}
        </p>
        <span className="message-meta">
          {message.editedAt && !message.recalled ? <span className="message-edited">{t('chat.edited')}</span> : null}
          <time dateTime={new Date(message.sentAt).toISOString()}>{time}</time>
          {message.mine ? (
            message.status === 'pending' ? (
              <ClockIcon className="message-status message-status--pending" data-testid="message-pending" title={t('chat.status.pending')} />
            ) : (
              <CheckIcon className="message-status message-status--sent" data-testid="message-sent" title={t('chat.status.sent')} />
            )
          ) : null}
        </span>
      </div>
    </div>
  );
}

/** The client hands out fresh objects on every change; re-render a bubble only when what it shows changed. */
function sameBubble(a: Props, b: Props): boolean {
  const x = a.message;
  const y = b.message;
  return (
    a.groupStart === b.groupStart &&
    a.groupEnd === b.groupEnd &&
    a.author === b.author &&
    x.id === y.id &&
    x.status === y.status &&
    x.text === y.text &&
    x.kind === y.kind &&
    x.sentAt === y.sentAt &&
    x.editedAt === y.editedAt &&
    x.recalled === y.recalled &&
    x.mine === y.mine
  );
}

export const MessageBubble = memo(Bubble, sameBubble);
