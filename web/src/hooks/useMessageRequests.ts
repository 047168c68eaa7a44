// Which direct conversations are message requests (started by someone who is not a friend and not
// accepted yet). Fetched again whenever the set of conversations changes, and after an accept.
import type { MekongClient } from '@mekong/client-core';
import { useCallback, useEffect, useState } from 'react';

export interface MessageRequestsState {
  ids: ReadonlySet<string>;
  /** Accept one request; it moves to the ordinary chats. Throws what the client threw. */
  accept(conversationId: string): Promise<void>;
}

const NONE: ReadonlySet<string> = new Set();

/** `conversationKey` is any string that changes when the set of conversations does (their ids joined). */
export function useMessageRequests(client: MekongClient, conversationKey: string): MessageRequestsState {
  const [ids, setIds] = useState<ReadonlySet<string>>(NONE);
  const [round, setRound] = useState(0);

  // conversationKey and round are what trigger a fetch
  useEffect(() => {
    let alive = true;
    if (!conversationKey) {
      setIds(NONE);
      return;
    }
    client.social.messageRequests().then(
      (requests) => alive && setIds(new Set(requests.map((r) => r.conversationId))),
      () => {}, // offline: keep what we knew; the next change of the list asks again
    );
    return () => {
      alive = false;
    };
  }, [client, conversationKey, round]);

  const accept = useCallback(
    async (conversationId: string) => {
      await client.social.acceptMessageRequest(conversationId);
      setIds((prev) => {
        const next = new Set(prev);
        next.delete(conversationId);
        return next;
      });
      setRound((n) => n + 1);
    },
    [client],
  );

  return { ids, accept };
}
