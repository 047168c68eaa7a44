// The scrolling message area: sticks to the bottom for new messages, loads older ones at the top
// and keeps the reader's place while it does.
import type { GroupInfo, MessageView } from '@mekong/client-core';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { authorName } from '../conversations';
import { formatDay } from '../format';
import { useI18n } from '../i18n';
import { buildTimeline } from '../timeline';
import { ArrowDownIcon } from './icons';
import { MessageBubble } from './MessageBubble';

/** Within this many pixels of an edge counts as being at it. */
const EDGE_PX = 80;

interface Props {
  messages: MessageView[];
  peerName: string;
  /** Set for a group chat: bubbles then say who wrote them. */
  group?: GroupInfo;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder(): void;
  now: number;
}

export function MessageList({ messages, peerName, group, hasOlder, loadingOlder, onLoadOlder, now }: Props) {
  const { t, lang } = useI18n();
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const previous = useRef<{ first?: string; last?: string; height: number } | null>(null);
  const [showJump, setShowJump] = useState(false);
  const items = useMemo(() => buildTimeline(messages), [messages]);
  const words = { today: t('chat.today'), yesterday: t('chat.yesterday') };

  const scrollToBottom = useCallback(() => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setShowJump(false);
  }, []);

  // runs before paint, so the reader never sees the list jump
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const first = messages[0]?.id;
    const last = messages[messages.length - 1]?.id;
    const before = previous.current;
    if (!before) {
      el.scrollTop = el.scrollHeight;
    } else if (first !== before.first && last === before.last) {
      el.scrollTop += el.scrollHeight - before.height; // older page prepended: stay on the same message
    } else if (last !== before.last) {
      const newest = messages[messages.length - 1];
      if (atBottom.current || newest?.mine) scrollToBottom();
      else setShowJump(true);
    }
    previous.current = { first, last, height: el.scrollHeight };
  }, [messages, scrollToBottom]);

  // when the composer grows or the window resizes, a reader at the bottom stays there
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (atBottom.current) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // a short history may not fill the screen, so nothing could be scrolled: fetch more right away
  useEffect(() => {
    const el = scroller.current;
    if (el && hasOlder && !loadingOlder && el.scrollHeight <= el.clientHeight + EDGE_PX) onLoadOlder();
  }, [hasOlder, loadingOlder, onLoadOlder]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < EDGE_PX;
    if (atBottom.current) setShowJump(false);
    if (el.scrollTop < EDGE_PX && hasOlder && !loadingOlder) onLoadOlder();
  };

  return (
    <div className="message-area">
      <div className="message-scroller" ref={scroller} onScroll={onScroll} data-testid="message-list">
        <div className="message-column">
        {loadingOlder ? (
          <p className="message-note" data-testid="loading-older">
            <span className="spinner spinner--small" aria-hidden="true" /> {t('chat.loadingOlder')}
          </p>
        ) : !hasOlder ? (
          <p className="message-note" data-testid="history-start">
            {group
              ? t(messages.length ? 'chat.group.beginning' : 'chat.group.empty', { name: peerName })
              : t(messages.length ? 'chat.beginning' : 'chat.empty', { name: peerName })}
          </p>
        ) : null}
        {items.map((item) =>
          item.type === 'day' ? (
            <div className="day-separator" key={item.key} data-testid="day-separator">
              <span>{formatDay(item.day, now, lang, words)}</span>
            </div>
          ) : (
            <MessageBubble
              key={item.key}
              message={item.message}
              groupStart={item.groupStart}
              groupEnd={item.groupEnd}
              author={group ? authorName(item.message, group) || undefined : undefined}
            />
          ),
        )}
        </div>
      </div>
      {showJump ? (
        <button type="button" className="jump-button" onClick={scrollToBottom} aria-label={t('chat.jumpToLatest')}>
          <ArrowDownIcon />
        </button>
      ) : null}
    </div>
  );
}
