// Sign-up and log-in screen. Key derivation runs on submit, so the form shows a busy state meanwhile.
import type { MekongClient, Session } from '@mekong/client-core';
import { type FormEvent, useState } from 'react';
import { errorCode, errorKey } from '../errors';
import { type MessageKey, useT } from '../i18n';
import { type FieldErrors, normalizeUsername, validateAuth } from '../validation';
import { Logo } from './icons';
import { LangSwitch } from './LangSwitch';
import { PasswordField } from './PasswordField';

type Mode = 'register' | 'login';

/** Server errors that belong under one field rather than above the button. */
function placeError(err: unknown): { field?: keyof FieldErrors; key: MessageKey } {
  const key = errorKey(err);
  const code = errorCode(err);
  if (code === 'USERNAME_TAKEN') return { field: 'username', key };
  return { key };
}

export function AuthScreen({ client, onSession }: { client: MekongClient; onSession(s: Session): void }) {
  const t = useT();
  const [mode, setMode] = useState<Mode>('register');
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<MessageKey | null>(null);
  const [busy, setBusy] = useState(false);

  const switchMode = (next: Mode) => {
    setMode(next);
    setFieldErrors({});
    setFormError(null);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const errors = validateAuth(mode, { username, displayName, password });
    setFieldErrors(errors);
    setFormError(null);
    if (Object.keys(errors).length > 0) return;
    setBusy(true);
    try {
      const name = normalizeUsername(username);
      const session =
        mode === 'register'
          ? await client.register({ username: name, password, displayName: displayName.trim() })
          : await client.login({ username: name, password });
      onSession(session);
    } catch (err) {
      const placed = placeError(err);
      if (placed.field) setFieldErrors({ [placed.field]: placed.key });
      else setFormError(placed.key);
      setBusy(false);
    }
  };

  const fieldError = (field: keyof FieldErrors) => {
    const key = fieldErrors[field];
    return key ? (
      <p className="field-error" id={`auth-${field}-error`} data-testid={`auth-${field}-error`} role="alert">
        {t(key)}
      </p>
    ) : null;
  };

  return (
    <main className="auth">
      <div className="auth-lang">
        <LangSwitch />
      </div>
      <div className="auth-card">
        <header className="auth-brand">
          <Logo size={56} />
          <h1>{t('app.name')}</h1>
          <p>{t('auth.tagline')}</p>
        </header>

        <div className="tabs" role="tablist">
          {(['register', 'login'] as const).map((m) => (
            <button
              key={m}
              type="button"
              role="tab"
              aria-selected={mode === m}
              className={mode === m ? 'tab tab--active' : 'tab'}
              data-testid={`auth-tab-${m}`}
              onClick={() => switchMode(m)}
              disabled={busy}
            >
              {t(m === 'register' ? 'auth.tab.register' : 'auth.tab.login')}
            </button>
          ))}
        </div>

        <form className="auth-form" onSubmit={submit} noValidate aria-busy={busy}>
          <label htmlFor="auth-username">{t('auth.username')}</label>
          <input
            id="auth-username"
            data-testid="auth-username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            aria-invalid={Boolean(fieldErrors.username)}
            aria-describedby="auth-username-error auth-username-hint"
            disabled={busy}
          />
          {fieldError('username') ??
            (mode === 'register' ? (
              <p className="field-hint" id="auth-username-hint">
                {t('auth.username.hint')}
              </p>
            ) : null)}

          {mode === 'register' ? (
            <>
              <label htmlFor="auth-displayname">{t('auth.displayName')}</label>
              <input
                id="auth-displayname"
                data-testid="auth-displayname"
                value={displayName}
                onChange={(e) => setDisplayName(e.target.value)}
                autoComplete="name"
                aria-invalid={Boolean(fieldErrors.displayName)}
                aria-describedby="auth-displayName-error auth-displayname-hint"
                disabled={busy}
              />
              {fieldError('displayName') ?? (
                <p className="field-hint" id="auth-displayname-hint">
                  {t('auth.displayName.hint')}
                </p>
              )}
            </>
          ) : null}

          <label htmlFor="auth-password">{t('auth.password')}</label>
          <PasswordField
            value={password}
            onChange={setPassword}
            autoComplete={mode === 'register' ? 'new-password' : 'current-password'}
            invalid={Boolean(fieldErrors.password)}
            describedBy="auth-password-error auth-password-hint"
            disabled={busy}
          />
          {fieldError('password') ??
            (mode === 'register' ? (
              <p className="field-hint" id="auth-password-hint">
                {t('auth.password.hint')}
              </p>
            ) : null)}

          {formError ? (
            <p className="form-error" data-testid="auth-error" role="alert">
              {t(formError)}
            </p>
          ) : null}

          <button type="submit" className="button button--primary" data-testid="auth-submit" disabled={busy}>
            {busy ? <span className="spinner" aria-hidden="true" /> : null}
            {busy
              ? t(mode === 'register' ? 'auth.busy.register' : 'auth.busy.login')
              : t(mode === 'register' ? 'auth.submit.register' : 'auth.submit.login')}
          </button>
        </form>
      </div>
    </main>
  );
}
