// "New group": a name, then people picked from the friends list or typed by username.
import type { FriendInfo, MekongClient } from '@mekong/client-core';
import { type FormEvent, useState } from 'react';
import { errorCode, errorKey } from '../errors';
import { useT } from '../i18n';
import { parseUsernames } from '../members';
import { Avatar } from './Avatar';
import { Dialog } from './Dialog';

interface Props {
  client: MekongClient;
  ownUsername: string;
  /** null while the friends list is still loading. */
  friends: FriendInfo[] | null;
  onCreated(groupId: string): void;
  onClose(): void;
}

/** Longest group name accepted. */
const MAX_NAME = 64;

export function NewGroupDialog({ client, ownUsername, friends, onCreated, onClose }: Props) {
  const t = useT();
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [typed, setTyped] = useState('');
  const [typedError, setTypedError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const toggle = (username: string) =>
    setChosen((list) => (list.includes(username) ? list.filter((u) => u !== username) : [...list, username]));

  const addTyped = async () => {
    const { valid, invalid } = parseUsernames(typed);
    if (invalid.length) return setTypedError(t('group.invalidUsernames', { names: invalid.join(', ') }));
    const fresh = valid.filter((u) => u !== ownUsername && !chosen.includes(u));
    if (valid.includes(ownUsername)) return setTypedError(t('group.selfInGroup'));
    if (!fresh.length) return setTyped('');
    setChecking(true);
    setTypedError(null);
    try {
      // check each name now, so a typo is caught here rather than when the group is created
      for (const u of fresh) {
        try {
          await client.findUser(u);
        } catch (err) {
          if (errorCode(err) === 'NOT_FOUND') return setTypedError(t('main.newChat.notFound', { username: u }));
          throw err;
        }
      }
      setChosen((list) => [...list, ...fresh]);
      setTyped('');
    } catch (err) {
      setTypedError(t(errorKey(err)));
    } finally {
      setChecking(false);
    }
  };

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const groupName = name.trim();
    if (!groupName) return setError(t('group.nameRequired'));
    if (chosen.length === 0) return setError(t('group.membersRequired'));
    setBusy(true);
    setError(null);
    try {
      const group = await client.createGroup({ name: groupName, members: chosen });
      onCreated(group.id);
    } catch (err) {
      setError(t('group.createFailed', { reason: t(errorKey(err)) }));
      setBusy(false);
    }
  };

  const friendNames = new Set((friends ?? []).map((f) => f.user.username));
  const typedOnly = chosen.filter((u) => !friendNames.has(u));

  return (
    <Dialog title={t('group.new.title')} onClose={() => !busy && onClose()} testId="new-group-dialog" className="dialog--wide">
      <form className="stack" onSubmit={create} aria-busy={busy}>
        <label className="field-label" htmlFor="new-group-name">
          {t('group.name')}
        </label>
        <input
          id="new-group-name"
          data-testid="new-group-name"
          value={name}
          maxLength={MAX_NAME}
          onChange={(e) => {
            setName(e.target.value);
            setError(null);
          }}
          placeholder={t('group.name.placeholder')}
          autoComplete="off"
        />

        <fieldset className="picker">
          <legend className="field-label">{t('group.pickFriends')}</legend>
          {friends === null ? (
            <p className="muted">
              <span className="spinner spinner--small" aria-hidden="true" /> {t('common.loading')}
            </p>
          ) : friends.length === 0 ? (
            <p className="muted">{t('group.noFriends')}</p>
          ) : (
            <ul className="picker-list">
              {friends.map((f) => (
                <li key={f.user.id}>
                  <label className="picker-item" data-testid="new-group-friend" data-username={f.user.username}>
                    <input type="checkbox" checked={chosen.includes(f.user.username)} onChange={() => toggle(f.user.username)} />
                    <Avatar userId={f.user.id} name={f.user.displayName} size="sm" />
                    <span className="person-names">
                      <strong>{f.user.displayName}</strong>
                      <span>@{f.user.username}</span>
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          )}
        </fieldset>

        <label className="field-label" htmlFor="new-group-username">
          {t('group.addByUsername')}
        </label>
        <div className="new-chat-row">
          <input
            id="new-group-username"
            data-testid="new-group-username"
            value={typed}
            onChange={(e) => {
              setTyped(e.target.value);
              setTypedError(null);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault(); // Enter adds the name; it does not create the group yet
                void addTyped();
              }
            }}
            placeholder={t('group.addByUsername.placeholder')}
            autoCapitalize="none"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={Boolean(typedError)}
            aria-describedby="new-group-username-error"
          />
          <button type="button" className="button" data-testid="new-group-username-add" onClick={addTyped} disabled={!typed.trim() || checking}>
            {checking ? <span className="spinner spinner--small" aria-hidden="true" /> : t('group.add')}
          </button>
        </div>
        {typedError ? (
          <p className="field-error" id="new-group-username-error" data-testid="new-group-username-error" role="alert">
            {typedError}
          </p>
        ) : null}
        {typedOnly.length ? (
          <ul className="chips" aria-label={t('group.chosen')}>
            {typedOnly.map((u) => (
              <li key={u} className="chip" data-testid="new-group-chosen" data-username={u}>
                @{u}
                <button type="button" className="chip-remove" onClick={() => toggle(u)} aria-label={t('group.unchoose', { username: u })}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        ) : null}

        <p className="muted" aria-live="polite">
          {t('group.chosenCount', { count: chosen.length })}
        </p>
        {error ? (
          <p className="form-error" data-testid="new-group-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="button" data-testid="new-group-cancel" onClick={onClose} disabled={busy}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="button button--primary" data-testid="new-group-create" disabled={busy}>
            {busy ? <span className="spinner spinner--small" aria-hidden="true" /> : null}
            {t('group.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
