// When the browser gets its network back, reconnect now instead of waiting out the retry backoff.
import type { MekongClient } from '@mekong/client-core';
import { useEffect } from 'react';

/**
 * The client ignores reconnect() while an attempt is under way, and an attempt started just before
 * the network returned fails and falls back to the backoff timer (up to 15 s). So after an 'online'
 * event the next few failures also trigger an immediate retry; a few, so that a server that is
 * really down is not hammered.
 */
const RETRIES_AFTER_ONLINE = 3;

export function useReconnectWhenOnline(client: MekongClient): void {
  useEffect(() => {
    let retries = 0;
    const onOnline = () => {
      retries = RETRIES_AFTER_ONLINE;
      client.reconnect();
    };
    const offStatus = client.onStatus((status) => {
      if (status === 'online') retries = 0;
      else if (status === 'offline' && retries > 0 && navigator.onLine) {
        retries -= 1;
        // after the client has finished handling the close (it arms its backoff timer right after)
        setTimeout(() => client.reconnect(), 0);
      }
    });
    window.addEventListener('online', onOnline);
    return () => {
      window.removeEventListener('online', onOnline);
      offStatus();
    };
  }, [client]);
}
