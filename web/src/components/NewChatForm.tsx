// Starts (or reopens) a 1-1 chat by typing the other person's username.
import type { MekongClient } from '@mekong/client-core';
import { type FormEvent, useState } from 'react';
import { errorCode, errorKey } from '../errors';
import { useT } from '../i18n';
import { normalizeUsername, USERNAME_PATTERN } from '../validation';

interface Props {
  client: MekongClient;
  ownUsername: string;
  onOpened(conversationId: string): void;
}

export function NewChatForm({ client, ownUsername, onOpened }: Props) {
  const t = useT();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const username = normalizeUsername(value.replace(/^@/, ''));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!username || busy) return;
    if (username === ownUsername) return setError(t('main.newChat.self'));
    if (!USERNAME_PATTERN.test(username)) return setError(t('main.newChat.notFound', { username }));
    setBusy(true);
    setError(null);
    try {
      const conversation = await client.openDirect(username);
      const id = conversation.id;
      conversation.close(); // the chat view opens its own handle
      setValue('');
      onOpened(id);
    } catch (err) {
      setError(errorCode(err) === 'NOT_FOUND' ? t('main.newChat.notFound', { username }) : t(errorKey(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="new-chat" onSubmit={submit} aria-busy={busy}>
      <label className="visually-hidden" htmlFor="new-chat-input">
        {t('main.newChat.label')}
      </label>
      <div className="new-chat-row">
        <input
          id="new-chat-input"
          data-testid="new-chat-input"
          value={value}
          onChange={(e) => {
            setValue(e.target.value);
            setError(null);
          }}
          placeholder={t('main.newChat.placeholder')}
          autoCapitalize="none"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={Boolean(error)}
          aria-describedby="new-chat-error"
        />
        <button type="submit" className="button button--primary" data-testid="new-chat-submit" disabled={!username || busy}>
          {busy ? <span className="spinner spinner--small" aria-hidden="true" /> : t('main.newChat.submit')}
        </button>
      </div>
      {error ? (
        <p className="field-error" id="new-chat-error" data-testid="new-chat-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
