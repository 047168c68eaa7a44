// The Friends view: find people (the server folds Vietnamese diacritics, so "tuan" finds "Tuấn"),
// friend requests both ways, the friends list, suggestions by mutual friends, and blocked people.
import type { MekongClient, Relation, UserProfile } from '@mekong/client-core';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { errorKey } from '../errors';
import type { SocialState } from '../hooks/useSocial';
import { type MessageKey, useT } from '../i18n';
import { Avatar } from './Avatar';
import { ConfirmDialog } from './ConfirmDialog';

interface Props {
  client: MekongClient;
  social: SocialState;
  onOpenChat(conversationId: string): void;
}

type SearchHit = { user: UserProfile; relation: Relation; exact: boolean };
type Confirm = { kind: 'unfriend' | 'block'; user: UserProfile };

export function FriendsView({ client, social, onOpenChat }: Props) {
  const t = useT();
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [searching, setSearching] = useState(false);
  const [searchError, setSearchError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busyUser, setBusyUser] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const { data, reload } = social;

  // the view opens with fresh lists
  useEffect(() => {
    void reload();
  }, [reload]);

  const search = async (e?: FormEvent) => {
    e?.preventDefault();
    const q = query.trim();
    if (!q) return;
    setSearching(true);
    setSearchError(null);
    try {
      setHits(await client.social.searchUsers(q));
    } catch (err) {
      setSearchError(err);
    } finally {
      setSearching(false);
    }
  };

  /** Runs one action on one person, then refreshes the lists and any search results. */
  const act = async (user: UserProfile, failKey: MessageKey, action: () => Promise<unknown>) => {
    setBusyUser(user.id);
    setActionError(null);
    try {
      await action();
    } catch (err) {
      setActionError(t(failKey, { name: user.displayName, reason: t(errorKey(err)) }));
    } finally {
      setBusyUser(null);
      await reload();
      if (hits && query.trim()) await search();
    }
  };

  const openChat = (user: UserProfile) =>
    act(user, 'friends.chatFailed', async () => {
      const chat = await client.openDirect(user.username);
      const id = chat.id;
      chat.close();
      onOpenChat(id);
    });

  const s = client.social;
  const add = (u: UserProfile) => act(u, 'friends.requestFailed', () => s.sendFriendRequest(u.username));
  const accept = (u: UserProfile) => act(u, 'friends.acceptFailed', () => s.acceptFriendRequest(u.username));
  const reject = (u: UserProfile) => act(u, 'friends.rejectFailed', () => s.rejectFriendRequest(u.username));
  const cancel = (u: UserProfile) => act(u, 'friends.cancelFailed', () => s.cancelFriendRequest(u.username));
  const unblock = (u: UserProfile) => act(u, 'friends.unblockFailed', () => s.unblock(u.username));

  const button = (label: MessageKey, user: UserProfile, onClick: () => void, testId: string, kind = '') => (
    <ActionButton label={label} user={user} busy={busyUser === user.id} onClick={onClick} testId={testId} kind={kind} />
  );

  // an incoming request is answered the same way from the search results and from its own list
  const answer = (u: UserProfile) => (
    <>
      {button('friends.accept', u, () => accept(u), 'accept-request', 'primary')}
      {button('friends.reject', u, () => reject(u), 'reject-request')}
    </>
  );

  const relationActions = (hit: SearchHit) => {
    const u = hit.user;
    switch (hit.relation) {
      case 'friend':
        return (
          <>
            <span className="tag">{t('friends.relation.friend')}</span>
            {button('friends.message', u, () => openChat(u), 'message-user', 'primary')}
          </>
        );
      case 'outgoing':
        return (
          <>
            <span className="tag">{t('friends.relation.outgoing')}</span>
            {button('friends.cancel', u, () => cancel(u), 'cancel-request')}
          </>
        );
      case 'incoming':
        return answer(u);
      case 'blocked':
        return button('friends.unblock', u, () => unblock(u), 'unblock');
      default:
        return (
          <>
            {button('friends.add', u, () => add(u), 'add-friend', 'primary')}
            {button('friends.message', u, () => openChat(u), 'message-user')}
          </>
        );
    }
  };

  return (
    <div className="friends" data-testid="friends-view">
      <form className="new-chat" onSubmit={search} aria-busy={searching}>
        <label className="visually-hidden" htmlFor="friends-search-input">
          {t('friends.search.label')}
        </label>
        <div className="new-chat-row">
          <input
            id="friends-search-input"
            data-testid="friends-search-input"
            type="search"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              if (!e.target.value.trim()) setHits(null);
            }}
            placeholder={t('friends.search.placeholder')}
            autoComplete="off"
            spellCheck={false}
          />
          <button type="submit" className="button button--primary" data-testid="friends-search-submit" disabled={!query.trim() || searching}>
            {searching ? <span className="spinner spinner--small" aria-hidden="true" /> : t('friends.search.submit')}
          </button>
        </div>
        {searchError ? <Alert className="field-error" testId="friends-search-error" text={t(errorKey(searchError))} /> : null}
      </form>

      <div className="friends-scroll">
        {actionError ? <Alert className="form-error sidebar-error" testId="friends-error" text={actionError} /> : null}
        {social.error && !data ? <Alert className="form-error sidebar-error" testId="friends-load-error" text={t(errorKey(social.error))} /> : null}

        {hits ? (
          <Section
            title={t('friends.results')}
            testId="search-results"
            items={hits}
            empty={
              <li className="muted section-empty" data-testid="search-empty">
                {t('friends.noResults', { query: query.trim() })}
              </li>
            }
          >
            {(h) => (
              <Person key={h.user.id} user={h.user} testId="search-result">
                {relationActions(h)}
              </Person>
            )}
          </Section>
        ) : null}

        {data === null && !social.error ? (
          <p className="muted section-empty">
            <span className="spinner spinner--small" aria-hidden="true" /> {t('common.loading')}
          </p>
        ) : null}

        {data ? (
          <>
            <Section title={t('friends.incoming', { count: data.incoming.length })} testId="incoming-requests" items={data.incoming}>
              {(r) => (
                <Person key={r.id} user={r.user} testId="friend-request-incoming">
                  {answer(r.user)}
                </Person>
              )}
            </Section>

            <Section title={t('friends.outgoing', { count: data.outgoing.length })} testId="outgoing-requests" items={data.outgoing}>
              {(r) => (
                <Person key={r.id} user={r.user} testId="friend-request-outgoing">
                  {button('friends.cancel', r.user, () => cancel(r.user), 'cancel-request')}
                </Person>
              )}
            </Section>

            <Section
              title={t('friends.list', { count: data.friends.length })}
              testId="friends-list"
              items={data.friends}
              empty={<li className="muted section-empty">{t('friends.none')}</li>}
            >
              {(f) => (
                <Person key={f.user.id} user={f.user} testId="friend">
                  {button('friends.message', f.user, () => openChat(f.user), 'message-user', 'primary')}
                  {button('friends.unfriend', f.user, () => setConfirm({ kind: 'unfriend', user: f.user }), 'unfriend')}
                  {button('friends.block', f.user, () => setConfirm({ kind: 'block', user: f.user }), 'block', 'danger-quiet')}
                </Person>
              )}
            </Section>

            <Section title={t('friends.suggestions')} testId="suggestions" items={data.suggestions}>
              {(sg) => (
                <Person
                  key={sg.user.id}
                  user={sg.user}
                  testId="suggestion"
                  note={<span data-testid="mutual-friends">{t('friends.mutual', { count: sg.mutualFriends })}</span>}
                >
                  {button('friends.add', sg.user, () => add(sg.user), 'add-friend', 'primary')}
                </Person>
              )}
            </Section>

            <Section title={t('friends.blocked')} testId="blocked-list" items={data.blocked}>
              {(u) => (
                <Person key={u.id} user={u} testId="blocked-user">
                  {button('friends.unblock', u, () => unblock(u), 'unblock')}
                </Person>
              )}
            </Section>
          </>
        ) : null}
      </div>

      {confirm ? (
        <ConfirmDialog
          title={t(confirm.kind === 'block' ? 'friends.block.title' : 'friends.unfriend.title', { name: confirm.user.displayName })}
          body={t(confirm.kind === 'block' ? 'friends.block.body' : 'friends.unfriend.body', { name: confirm.user.displayName })}
          confirmLabel={t(confirm.kind === 'block' ? 'friends.block' : 'friends.unfriend')}
          onConfirm={async () => {
            const u = confirm.user;
            await (confirm.kind === 'block' ? s.block(u.username) : s.removeFriend(u.username));
            await reload();
          }}
          onClose={() => setConfirm(null)}
        />
      ) : null}
    </div>
  );
}

/**
 * A titled list of people; `empty` stands in for an empty list, and without it an empty list is not
 * shown at all.
 */
function Section<T>({ title, testId, items, empty, children }: { title: string; testId: string; items: T[]; empty?: ReactNode; children: (item: T) => ReactNode }) {
  if (items.length === 0 && empty === undefined) return null;
  return (
    <section className="friends-section" data-testid={testId} aria-label={title}>
      <h3 className="info-section">{title}</h3>
      <ul className="person-list">{items.length === 0 ? empty : items.map(children)}</ul>
    </section>
  );
}

function Person({ user, testId, note, children }: { user: UserProfile; testId: string; note?: ReactNode; children: ReactNode }) {
  return (
    <li className="person" data-testid={testId} data-username={user.username}>
      <Avatar userId={user.id} name={user.displayName} size="sm" />
      <span className="person-names">
        <strong>{user.displayName}</strong>
        <span>
          @{user.username}
          {note ? <> · {note}</> : null}
        </span>
      </span>
      <span className="person-actions">{children}</span>
    </li>
  );
}

/** One action on one person; its accessible name says who it is for. */
function ActionButton({ label, user, busy, onClick, testId, kind }: { label: MessageKey; user: UserProfile; busy: boolean; onClick: () => void; testId: string; kind: string }) {
  const t = useT();
  return (
    <button
      type="button"
      className={`button button--small${kind ? ` button--${kind}` : ''}`}
      data-testid={testId}
      disabled={busy}
      onClick={onClick}
      aria-label={`${t(label)}: ${user.displayName}`}
    >
      {t(label)}
    </button>
  );
}

function Alert({ className, testId, text }: { className: string; testId: string; text: string }) {
  return (
    <p className={className} role="alert" data-testid={testId}>
      {text}
    </p>
  );
}
