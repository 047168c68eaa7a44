// The signed-in app: conversations on the left, the open chat on the right (one at a time on phones).
import type { MekongClient, Session } from '@mekong/client-core';
import { useEffect, useState } from 'react';
import { useConnectionStatus } from '../hooks/useConnectionStatus';
import { useConversations } from '../hooks/useConversations';
import { useHashRoute } from '../hooks/useHashRoute';
import { useNow } from '../hooks/useNow';
import { useReconnectWhenOnline } from '../hooks/useReconnectWhenOnline';
import { errorKey } from '../errors';
import { useT } from '../i18n';
import { Avatar } from './Avatar';
import { ChatView } from './ChatView';
import { ConversationList } from './ConversationList';
import { Logo, LogoutIcon } from './icons';
import { LangSwitch } from './LangSwitch';
import { NewChatForm } from './NewChatForm';
import { StatusBanner } from './StatusBanner';

interface Props {
  client: MekongClient;
  session: Session;
  onLoggedOut(): void;
}

export function MainScreen({ client, session, onLoggedOut }: Props) {
  const t = useT();
  const status = useConnectionStatus(client);
  useReconnectWhenOnline(client);
  const { list, error } = useConversations(client);
  const [openId, navigate] = useHashRoute();
  const now = useNow();
  const [leaving, setLeaving] = useState(false);

  // unread messages outside the open chat show in the tab title, as in every messenger
  const unread = (list ?? []).reduce((sum, c) => sum + (c.id === openId ? 0 : c.unread), 0);
  const appName = t('app.name');
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) ${appName}` : appName;
  }, [unread, appName]);
  const [logoutError, setLogoutError] = useState<unknown>(null);

  const logout = async () => {
    setLeaving(true);
    setLogoutError(null);
    try {
      await client.logout();
      navigate(null);
      onLoggedOut();
    } catch (err) {
      setLeaving(false);
      setLogoutError(err);
    }
  };

  return (
    <div className={`main${openId ? ' main--chat-open' : ''}`}>
      <StatusBanner status={status} />
      <div className="main-panes">
        <aside className="sidebar">
          <header className="sidebar-header">
            <div className="me">
              <Avatar userId={session.userId} name={session.displayName} size="sm" />
              <div className="me-names">
                <strong data-testid="me-name">{session.displayName}</strong>
                <span title={t('main.signedInAs', { username: session.username })}>@{session.username}</span>
              </div>
            </div>
            <LangSwitch />
            <button
              type="button"
              className="icon-button"
              data-testid="logout"
              onClick={logout}
              disabled={leaving}
              aria-label={t('main.logout')}
              title={t('main.logout')}
            >
              <LogoutIcon />
            </button>
          </header>
          {logoutError ? (
            <p className="form-error sidebar-error" role="alert">
              {t(errorKey(logoutError))}
            </p>
          ) : null}
          <NewChatForm client={client} ownUsername={session.username} onOpened={navigate} />
          {error && !list ? (
            <p className="form-error sidebar-error" role="alert">
              {t(errorKey(error))}
            </p>
          ) : null}
          {list && list.length === 0 ? (
            <div className="empty-list" data-testid="empty-list">
              <h2>{t('main.empty.title')}</h2>
              <p>{t('main.empty.body')}</p>
            </div>
          ) : null}
          {list && list.length > 0 ? (
            <ConversationList conversations={list} selectedId={openId} now={now} onSelect={navigate} />
          ) : null}
        </aside>
        {openId ? (
          <ChatView key={openId} client={client} conversationId={openId} now={now} onBack={() => navigate(null)} />
        ) : (
          <section className="chat chat--none">
            <div className="chat-placeholder">
              <Logo size={72} />
              <p>{t('main.pick')}</p>
            </div>
          </section>
        )}
      </div>
    </div>
  );
}
