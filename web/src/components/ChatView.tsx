// An open chat, direct or group: header with the person or the group and its members, warnings the
// reader must see, the messages, the composer, and an info panel (safety number or group members).
import type { ConversationSummary, MekongClient } from '@mekong/client-core';
import { useEffect, useRef, useState } from 'react';
import { memberLine, titleOf } from '../conversations';
import { errorCode, errorKey } from '../errors';
import { useConversation } from '../hooks/useConversation';
import { useT } from '../i18n';
import { Avatar } from './Avatar';
import { Composer } from './Composer';
import { DirectInfoPanel } from './DirectInfoPanel';
import { GroupInfoPanel } from './GroupInfoPanel';
import { BackIcon, CloseIcon, InfoIcon, WarningIcon } from './icons';
import { MessageList } from './MessageList';

interface Props {
  client: MekongClient;
  conversationId: string;
  /** This conversation's entry of the list; undefined while loading or once it has left the list. */
  summary: ConversationSummary | undefined;
  selfId: string;
  now: number;
  onBack(): void;
  /** A direct chat started by someone who is not a friend and not accepted yet. */
  isRequest: boolean;
  onAcceptRequest(): Promise<void>;
  friendUsernames: string[];
  blockedIds: ReadonlySet<string>;
  onSocialChanged(): void;
}

export function ChatView(props: Props) {
  const { client, conversationId, summary, selfId, now, onBack, isRequest } = props;
  const t = useT();
  const { conversation, messages, error, hasOlder, loadingOlder, loadOlder } = useConversation(client, conversationId);
  const [infoOpen, setInfoOpen] = useState(false);
  const [requestError, setRequestError] = useState<unknown>(null);
  const [accepting, setAccepting] = useState(false);

  // A conversation that was in the list and no longer is: this user was removed, or the group
  // was disbanded. The client stopped following it; say so instead of offering a dead composer.
  const lastSummary = useRef<ConversationSummary | undefined>(undefined);
  if (summary) lastSummary.current = summary;
  const gone = lastSummary.current !== undefined && !summary;
  // a conversation that is gone is still drawn as it was: its name, members and authors
  const shown = summary ?? lastSummary.current;

  // whatever arrives while the chat is on screen has been read; catch up when the tab comes back
  useEffect(() => {
    if (!conversation || messages.length === 0 || gone) return;
    const markIfVisible = () => {
      if (document.visibilityState === 'visible') conversation.markRead().catch(() => {});
    };
    markIfVisible();
    document.addEventListener('visibilitychange', markIfVisible);
    return () => document.removeEventListener('visibilitychange', markIfVisible);
  }, [conversation, messages, gone]);

  const backButton = (
    <button type="button" className="icon-button chat-back" onClick={onBack} aria-label={t('chat.back')} title={t('chat.back')}>
      <BackIcon />
    </button>
  );

  if (!conversation) {
    const notHere = errorCode(error) === 'NOT_FOUND';
    return (
      <section className="chat chat--placeholder" data-testid="chat">
        <header className="chat-header">{backButton}</header>
        <div className="chat-placeholder">
          {error ? (
            <p className="form-error" role="alert" data-testid={notHere ? 'chat-inactive' : undefined}>
              {notHere ? t('chat.notHere') : t('chat.openFailed', { reason: t(errorKey(error)) })}
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

  const isGroup = (shown?.kind ?? (conversation.peer.username ? 'direct' : 'group')) === 'group';
  const group = shown?.group;
  const title = shown ? titleOf(shown) : conversation.peer.displayName;
  const peer = shown?.kind === 'direct' ? shown.peer : conversation.peer;
  const unverified = summary?.unverifiedMembers ?? [];
  const subtitle = isGroup
    ? group && !gone
      ? `${t('group.memberCount', { count: group.members.length })} · ${memberLine(group, selfId, t)}`
      : ''
    : `@${peer.username}`;

  const accept = async () => {
    setAccepting(true);
    setRequestError(null);
    try {
      await props.onAcceptRequest();
    } catch (err) {
      setRequestError(err);
    } finally {
      setAccepting(false);
    }
  };

  return (
    <>
      <section className="chat" data-testid="chat" data-conversation-id={conversation.id} data-kind={isGroup ? 'group' : 'direct'}>
        <header className="chat-header">
          {backButton}
          <Avatar userId={isGroup ? conversation.id : peer.id} name={title} size="sm" group={isGroup} />
          <div className="chat-title">
            <h2 data-testid="chat-peer-name">{title}</h2>
            <p data-testid="chat-subtitle">{subtitle}</p>
          </div>
          {!gone ? (
            <button
              type="button"
              className={`icon-button chat-info-toggle${infoOpen ? ' icon-button--active' : ''}`}
              data-testid="chat-info-toggle"
              aria-expanded={infoOpen}
              aria-controls="chat-info"
              onClick={() => setInfoOpen((o) => !o)}
              aria-label={t(isGroup ? 'chat.info.group' : 'chat.info.direct')}
              title={t(isGroup ? 'chat.info.group' : 'chat.info.direct')}
            >
              <InfoIcon />
            </button>
          ) : null}
        </header>
        {unverified.length > 0 ? (
          <div className="chat-warning" role="alert" data-testid="unverified-warning" data-count={unverified.length}>
            <WarningIcon />
            <span>{t('group.unverified', { count: unverified.length })}</span>
          </div>
        ) : null}
        {gone ? (
          <div className="chat-warning chat-warning--neutral" role="status" data-testid="chat-inactive">
            <span>{t(isGroup ? 'chat.gone.group' : 'chat.gone.direct')}</span>
          </div>
        ) : null}
        {isRequest && !gone ? (
          <div className="chat-request" data-testid="message-request-bar">
            <span>{t('requests.bar', { name: title })}</span>
            {requestError ? (
              <span className="field-error" role="alert">
                {t(errorKey(requestError))}
              </span>
            ) : null}
            <button type="button" className="button button--primary button--small" data-testid="message-request-accept" onClick={accept} disabled={accepting}>
              {t('requests.accept')}
            </button>
          </div>
        ) : null}
        <MessageList
          messages={messages}
          peerName={title}
          {...(isGroup && group ? { group } : {})}
          hasOlder={hasOlder}
          loadingOlder={loadingOlder}
          onLoadOlder={loadOlder}
          now={now}
        />
        {gone ? null : <Composer key={conversation.id} conversation={conversation} name={title} />}
      </section>
      {infoOpen && !gone ? (
        <aside className="chat-info" id="chat-info" aria-label={t(isGroup ? 'chat.info.group' : 'chat.info.direct')}>
          <header className="chat-info-header">
            <h2>{t(isGroup ? 'chat.info.group' : 'chat.info.direct')}</h2>
            <button type="button" className="icon-button" data-testid="chat-info-close" onClick={() => setInfoOpen(false)} aria-label={t('common.close')} title={t('common.close')}>
              <CloseIcon />
            </button>
          </header>
          {isGroup ? (
            group ? (
              <GroupInfoPanel client={client} group={group} selfId={selfId} friendUsernames={props.friendUsernames} onGone={onBack} />
            ) : (
              <p className="muted section-empty">
                <span className="spinner spinner--small" aria-hidden="true" /> {t('common.loading')}
              </p>
            )
          ) : (
            <DirectInfoPanel client={client} peer={peer} blocked={props.blockedIds.has(peer.id)} onSocialChanged={props.onSocialChanged} />
          )}
        </aside>
      ) : null}
    </>
  );
}
