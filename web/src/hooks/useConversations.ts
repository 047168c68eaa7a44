// The conversation list, reloaded from local storage whenever the client says it changed.
import type { ConversationSummary, MekongClient } from '@mekong/client-core';
import { useEffect, useState } from 'react';
import { sortConversations } from '../conversations';

export interface ConversationsState {
  list: ConversationSummary[] | null; // null until the first load finishes
  error: unknown;
}

export function useConversations(client: MekongClient): ConversationsState {
  const [state, setState] = useState<ConversationsState>({ list: null, error: null });

  useEffect(() => {
    let latest = 0;
    let alive = true;
    const load = () => {
      // loads can overlap when changes arrive in bursts; only the newest one may win
      const ticket = ++latest;
      client.conversations().then(
        (list) => alive && ticket === latest && setState({ list: sortConversations(list), error: null }),
        (error: unknown) => alive && ticket === latest && setState((s) => ({ list: s.list, error })),
      );
    };
    load();
    const off = client.onConversationsChanged(load);
    return () => {
      alive = false;
      off();
    };
  }, [client]);

  return state;
}
