// The signed-in app: chats or friends on the left, the open chat on the right (one at a time on phones).
import type { MekongClient, Session } from '@mekong/client-core';
import { useEffect, useMemo, useState } from 'react';
import { splitRequests } from '../conversations';
import { errorKey } from '../errors';
import { useConnectionStatus } from '../hooks/useConnectionStatus';
import { useConversations } from '../hooks/useConversations';
import { useHashRoute } from '../hooks/useHashRoute';
import { useMessageRequests } from '../hooks/useMessageRequests';
import { useNow } from '../hooks/useNow';
import { useReconnectWhenOnline } from '../hooks/useReconnectWhenOnline';
import { useSocial } from '../hooks/useSocial';
import { useT } from '../i18n';
import { Avatar } from './Avatar';
import { ChatView } from './ChatView';
import { ConversationList } from './ConversationList';
import { FriendsView } from './FriendsView';
import { Logo, LogoutIcon, PlusIcon } from './icons';
import { LangSwitch } from './LangSwitch';
import { NewChatForm } from './NewChatForm';
import { NewGroupDialog } from './NewGroupDialog';
import { StatusBanner } from './StatusBanner';

interface Props {
  client: MekongClient;
  session: Session;
  onLoggedOut(): void;
}

type Tab = 'chats' | 'friends';

export function MainScreen({ client, session, onLoggedOut }: Props) {
  const t = useT();
  const status = useConnectionStatus(client);
  useReconnectWhenOnline(client);
  const { list, error } = useConversations(client);
  const [openId, navigate] = useHashRoute();
  const now = useNow();
  const [leaving, setLeaving] = useState(false);
  const [tab, setTab] = useState<Tab>('chats');
  const [creatingGroup, setCreatingGroup] = useState(false);
  const social = useSocial(client);
  const conversationKey = useMemo(() => (list ?? []).map((c) => c.id).sort().join(','), [list]);
  const requests = useMessageRequests(client, conversationKey);
  const { chats, requests: requestChats } = useMemo(() => splitRequests(list ?? [], requests.ids), [list, requests.ids]);
  const summary = openId ? list?.find((c) => c.id === openId) : undefined;
  const friendUsernames = useMemo(() => (social.data?.friends ?? []).map((f) => f.user.username), [social.data]);
  const blockedIds = useMemo(() => new Set((social.data?.blocked ?? []).map((u) => u.id)), [social.data]);
  const { reload: reloadSocial } = social;

  // the group dialog and the add-member field offer friends: load them once signed in
  useEffect(() => {
    void reloadSocial();
  }, [reloadSocial]);

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

  const openChat = (id: string) => {
    setTab('chats');
    navigate(id);
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
          <div className="tabs sidebar-tabs" role="tablist" aria-label={t('main.sections')}>
            <button
              type="button"
              role="tab"
              id="tab-chats"
              aria-selected={tab === 'chats'}
              aria-controls="panel-chats"
              className={`tab${tab === 'chats' ? ' tab--active' : ''}`}
              data-testid="nav-chats"
              onClick={() => setTab('chats')}
            >
              {t('main.tab.chats')}
            </button>
            <button
              type="button"
              role="tab"
              id="tab-friends"
              aria-selected={tab === 'friends'}
              aria-controls="panel-friends"
              className={`tab${tab === 'friends' ? ' tab--active' : ''}`}
              data-testid="nav-friends"
              onClick={() => setTab('friends')}
            >
              {t('main.tab.friends')}
              {social.incomingCount > 0 ? (
                <span className="unread-badge" data-testid="friend-requests-badge" data-count={social.incomingCount}>
                  <span aria-hidden="true">{social.incomingCount}</span>
                  <span className="visually-hidden">{t('friends.incomingBadge', { count: social.incomingCount })}</span>
                </span>
              ) : null}
            </button>
          </div>
          {logoutError ? (
            <p className="form-error sidebar-error" role="alert">
              {t(errorKey(logoutError))}
            </p>
          ) : null}
          {tab === 'friends' ? (
            <div className="sidebar-panel" role="tabpanel" id="panel-friends" aria-labelledby="tab-friends">
              <FriendsView client={client} social={social} onOpenChat={openChat} />
            </div>
          ) : (
            <div className="sidebar-panel" role="tabpanel" id="panel-chats" aria-labelledby="tab-chats">
              <NewChatForm client={client} ownUsername={session.username} onOpened={navigate} />
              <div className="sidebar-actions">
                <button
                  type="button"
                  className="button button--quiet"
                  data-testid="new-group-open"
                  onClick={() => {
                    setCreatingGroup(true);
                    void reloadSocial(); // offer the friends as they are now
                  }}
                >
                  <PlusIcon /> {t('group.new')}
                </button>
              </div>
              {error && !list ? (
                <p className="form-error sidebar-error" role="alert">
                  {t(errorKey(error))}
                </p>
              ) : null}
              <div className="sidebar-scroll">
                {requestChats.length > 0 ? (
                  <section className="requests" data-testid="message-requests" aria-label={t('requests.title')}>
                    <h3 className="list-heading">
                      {t('requests.title')} <span className="muted">({requestChats.length})</span>
                    </h3>
                    <p className="field-hint list-hint">{t('requests.hint')}</p>
                    <ConversationList
                      conversations={requestChats}
                      selectedId={openId}
                      now={now}
                      onSelect={navigate}
                      label={t('requests.title')}
                      aside={(c) => (
                        <AcceptButton
                          label={t('requests.acceptNamed', { name: c.title })}
                          onAccept={() => requests.accept(c.id)}
                        />
                      )}
                    />
                    {chats.length > 0 ? <h3 className="list-heading">{t('main.conversations')}</h3> : null}
                  </section>
                ) : null}
                {list && list.length === 0 ? (
                  <div className="empty-list" data-testid="empty-list">
                    <h2>{t('main.empty.title')}</h2>
                    <p>{t('main.empty.body')}</p>
                  </div>
                ) : null}
                {chats.length > 0 ? (
                  <ConversationList conversations={chats} selectedId={openId} now={now} onSelect={navigate} label={t('main.conversations')} />
                ) : null}
              </div>
            </div>
          )}
        </aside>
        {openId ? (
          <ChatView
            key={openId}
            client={client}
            conversationId={openId}
            summary={summary}
            selfId={session.userId}
            now={now}
            onBack={() => navigate(null)}
            isRequest={requests.ids.has(openId)}
            onAcceptRequest={() => requests.accept(openId)}
            friendUsernames={friendUsernames}
            blockedIds={blockedIds}
            onSocialChanged={() => void reloadSocial()}
          />
        ) : (
          <section className="chat chat--none">
            <div className="chat-placeholder">
              <Logo size={72} />
              <p>{t('main.pick')}</p>
            </div>
          </section>
        )}
      </div>
      {creatingGroup ? (
        <NewGroupDialog
          client={client}
          ownUsername={session.username}
          friends={social.data?.friends ?? null}
          onCreated={(id) => {
            setCreatingGroup(false);
            openChat(id);
          }}
          onClose={() => setCreatingGroup(false)}
        />
      ) : null}
    </div>
  );
}

/** Accept button beside a message request, with its own busy and error state. */
function AcceptButton({ label, onAccept }: { label: string; onAccept(): Promise<void> }) {
  const t = useT();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  return (
    <button
      type="button"
      className={`button button--small ${failed ? 'button--danger-quiet' : 'button--primary'}`}
      data-testid="message-request-accept"
      aria-label={label}
      title={failed ? t('requests.acceptFailed') : label}
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        setFailed(false);
        try {
          await onAccept();
        } catch {
          setFailed(true);
        } finally {
          setBusy(false);
        }
      }}
    >
      {failed ? t('common.retry') : t('requests.accept')}
    </button>
  );
}
