// Message input: Enter sends, Shift+Enter adds a line, and an IME composition (Vietnamese Telex) is never cut short.
import type { Conversation } from '@mekong/client-core';
import { type FormEvent, type KeyboardEvent, useLayoutEffect, useRef, useState } from 'react';
import { errorKey } from '../errors';
import { useT } from '../i18n';
import { SendIcon } from './icons';

const MAX_HEIGHT_PX = 160;

/** `name` is what the placeholder calls the chat (a group's current name may differ from when it was opened). */
export function Composer({ conversation, name }: { conversation: Conversation; name: string }) {
  const t = useT();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const empty = text.trim().length === 0;

  // grow with the text up to a few lines, then scroll inside
  useLayoutEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  const send = () => {
    const body = text.trim();
    if (!body) return;
    setText('');
    setError(null);
    input.current?.focus();
    conversation.send(body).catch((err: unknown) => {
      setText((current) => current || body); // give the words back rather than lose them
      setError(t('chat.sendFailed', { reason: t(errorKey(err)) }));
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    send();
  };

  return (
    <form className="composer" onSubmit={onSubmit}>
      {error ? (
        <p className="field-error composer-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="composer-row">
        <textarea
          ref={input}
          data-testid="composer-input"
          className="composer-input"
          rows={1}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder={t('chat.composer.placeholder', { name })}
          aria-label={t('chat.composer.placeholder', { name })}
          title={t('chat.composer.hint')}
          enterKeyHint="send"
        />
        <button
          type="submit"
          className="composer-send"
          data-testid="composer-send"
          disabled={empty}
          aria-label={t('chat.composer.send')}
          title={t('chat.composer.send')}
        >
          <SendIcon />
        </button>
      </div>
    </form>
  );
}
