// Top of the React tree: starts the client, then shows the auth screen or the signed-in app.
import type { MekongClient, Session } from '@mekong/client-core';
import { useEffect, useState } from 'react';
import { startClient } from './client';
import { AuthScreen } from './components/AuthScreen';
import { Logo } from './components/icons';
import { MainScreen } from './components/MainScreen';
import { errorKey } from './errors';
import { useT } from './i18n';

type Boot = { phase: 'starting' } | { phase: 'failed'; error: unknown } | { phase: 'ready'; client: MekongClient };

export function App() {
  const t = useT();
  const [boot, setBoot] = useState<Boot>({ phase: 'starting' });
  const [attempt, setAttempt] = useState(0);

  // runs again when `attempt` changes: that is the "Try again" button
  useEffect(() => {
    let alive = true;
    setBoot({ phase: 'starting' });
    startClient().then(
      (client) => alive && setBoot({ phase: 'ready', client }),
      (error: unknown) => alive && setBoot({ phase: 'failed', error }),
    );
    return () => {
      alive = false;
    };
  }, [attempt]);

  if (boot.phase === 'starting') {
    return (
      <div className="splash" data-testid="splash">
        <Logo size={64} />
        <p>{t('app.loading')}</p>
      </div>
    );
  }
  if (boot.phase === 'failed') {
    return (
      <div className="splash" role="alert">
        <Logo size={64} />
        <p>{t('app.startFailed', { reason: t(errorKey(boot.error)) })}</p>
        <button type="button" className="button button--primary" onClick={() => setAttempt((n) => n + 1)}>
          {t('app.retry')}
        </button>
      </div>
    );
  }
  return <SignedInOrOut client={boot.client} />;
}

function SignedInOrOut({ client }: { client: MekongClient }) {
  // a returning user is already signed in: the client restored the session from local storage
  const [session, setSession] = useState<Session | null>(client.session);
  if (!session) return <AuthScreen client={client} onSession={setSession} />;
  return <MainScreen client={client} session={session} onLoggedOut={() => setSession(client.session)} />;
}
