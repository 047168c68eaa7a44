// Tells the user when they are offline, so a clock on their message never looks like a bug.
import type { ConnectionStatus } from '@mekong/client-core';
import { useEffect, useState } from 'react';
import { BANNER_GRACE_MS, bannerAt, initialBanner, nextBanner } from '../banner';
import { useBrowserOnline } from '../hooks/useBrowserOnline';
import { useT } from '../i18n';
import { OfflineIcon } from './icons';

export function StatusBanner({ status }: { status: ConnectionStatus }) {
  const t = useT();
  const browserOnline = useBrowserOnline();
  const [state, setState] = useState(() => initialBanner(status, Date.now()));
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    setState((s) => nextBanner(s, status, Date.now()));
    setNow(Date.now());
  }, [status]);

  // re-render once the grace period is over, in case nothing else changes by then
  useEffect(() => {
    if (state.downSince === null) return;
    const wait = state.downSince + BANNER_GRACE_MS - Date.now();
    if (wait <= 0) return;
    const timer = setTimeout(() => setNow(Date.now()), wait + 10);
    return () => clearTimeout(timer);
  }, [state.downSince]);

  const banner = bannerAt(state, now, !browserOnline);
  if (!banner) return null;
  return (
    <div className={`status-banner status-banner--${banner}`} data-testid="status-banner" data-status={banner} role="status">
      {banner === 'offline' ? <OfflineIcon /> : <span className="spinner spinner--small" aria-hidden="true" />}
      <span>{t(banner === 'offline' ? 'status.offline' : 'status.connecting')}</span>
    </div>
  );
}
