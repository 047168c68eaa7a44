// Tells the user when they are offline, so a clock on their message never looks like a bug.
import type { ConnectionStatus } from '@mekong/client-core';
import { useEffect, useState } from 'react';
import { useT } from '../i18n';
import { OfflineIcon } from './icons';

/** A short reconnect is normal; only say "Connecting…" when it takes longer than this. */
const CONNECTING_GRACE_MS = 1500;

export function StatusBanner({ status }: { status: ConnectionStatus }) {
  const t = useT();
  const [slow, setSlow] = useState(false);

  useEffect(() => {
    setSlow(false);
    if (status !== 'connecting') return;
    const timer = setTimeout(() => setSlow(true), CONNECTING_GRACE_MS);
    return () => clearTimeout(timer);
  }, [status]);

  if (status === 'online' || (status === 'connecting' && !slow)) return null;
  return (
    <div className={`status-banner status-banner--${status}`} data-testid="status-banner" data-status={status} role="status">
      {status === 'offline' ? <OfflineIcon /> : <span className="spinner spinner--small" aria-hidden="true" />}
      <span>{t(status === 'offline' ? 'status.offline' : 'status.connecting')}</span>
    </div>
  );
}
