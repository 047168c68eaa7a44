// The client's connection status as React state.
import type { ConnectionStatus, MekongClient } from '@mekong/client-core';
import { useCallback, useSyncExternalStore } from 'react';

export function useConnectionStatus(client: MekongClient): ConnectionStatus {
  const subscribe = useCallback((onChange: () => void) => client.onStatus(() => onChange()), [client]);
  return useSyncExternalStore(subscribe, () => client.status);
}
