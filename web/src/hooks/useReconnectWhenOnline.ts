// When the browser gets its network back, reconnect now instead of waiting out the retry backoff.
import type { MekongClient } from '@mekong/client-core';
import { useEffect } from 'react';

export function useReconnectWhenOnline(client: MekongClient): void {
  useEffect(() => {
    const onOnline = () => client.reconnect();
    window.addEventListener('online', onOnline);
    return () => window.removeEventListener('online', onOnline);
  }, [client]);
}
