// An open 1-1 chat: header with the peer, the messages, and the composer. Marks messages read while visible.
import type { MekongClient } from '@mekong/client-core';
import { useEffect } from 'react';
import { errorKey } from '../errors';
import { useT } from '../i18n';
import { useConversation } from '../hooks/useConversation';
import { Avatar } from './Avatar';
import { Composer } from './Composer';
import { BackIcon } from './icons';
import { MessageList } from './MessageList';

interface Props {
  client: MekongClient;
  conversationId: string;
  now: number;
  onBack(): void;
}

export function ChatView({ client, conversationId, now, onBack }: Props) {
  const t = useT();
  const { conversation, messages, error, hasOlder, loadingOlder, loadOlder } = useConversation(client, conversationId);

  // whatever arrives while the chat is on screen has been read; catch up when the tab comes back
  useEffect(() => {
    if (!conversation || messages.length === 0) return;
    const markIfVisible = () => {
      if (document.visibilityState === 'visible') conversation.markRead().catch(() => {});
    };
    markIfVisible();
    document.addEventListener('visibilitychange', markIfVisible);
    return () => document.removeEventListener('visibilitychange', markIfVisible);
  }, [conversation, messages]);

  const backButton = (
    <button type="button" className="icon-button chat-back" onClick={onBack} aria-label={t('chat.back')} title={t('chat.back')}>
      <BackIcon />
    </button>
  );

  if (!conversation) {
    return (
      <section className="chat chat--placeholder" data-testid="chat">
        <header className="chat-header">{backButton}</header>
        <div className="chat-placeholder">
          {error ? (
            <p className="form-error" role="alert">
              {t('chat.openFailed', { reason: t(errorKey(error)) })}
            </p>
          ) : (
            <p>
              <span className="spinner" aria-hidden="true" /> {t('chat.opening')}
            </p>
          )}
        </div>
      </section>
    );
  }

  const peer = conversation.peer;
  return (
    <section className="chat" data-testid="chat" data-conversation-id={conversation.id}>
      <header className="chat-header">
        {backButton}
        <Avatar userId={peer.id} name={peer.displayName} size="sm" />
        <div className="chat-title">
          <h2 data-testid="chat-peer-name">{peer.displayName}</h2>
          <p>@{peer.username}</p>
        </div>
      </header>
      <MessageList
        messages={messages}
        peerName={peer.displayName}
        hasOlder={hasOlder}
        loadingOlder={loadingOlder}
        onLoadOlder={loadOlder}
        now={now}
      />
      <Composer key={conversation.id} conversation={conversation} />
    </section>
  );
}
