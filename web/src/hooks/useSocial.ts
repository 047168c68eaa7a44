// Friends, friend requests, suggestions and blocks as React state. The server does not push these,
// so they are fetched when asked for (opening the Friends view, after an action) and the requests
// are polled while the tab is visible, which keeps the badge on the Friends tab current.
import type { FriendInfo, FriendRequestInfo, MekongClient, UserProfile } from '@mekong/client-core';
import { useCallback, useEffect, useRef, useState } from 'react';

export interface SocialData {
  friends: FriendInfo[];
  incoming: FriendRequestInfo[];
  outgoing: FriendRequestInfo[];
  suggestions: Array<{ user: UserProfile; mutualFriends: number }>;
  blocked: UserProfile[];
}

export interface SocialState {
  /** null until the first full load. */
  data: SocialData | null;
  /** Incoming requests, known before the full load (the badge needs only these). */
  incomingCount: number;
  error: unknown;
  loading: boolean;
  /** Fetch everything again; resolves when done (errors land in `error`). */
  reload(): Promise<void>;
}

/** How often pending requests are checked while the page is visible. */
export const REQUEST_POLL_MS = 20_000;

export function useSocial(client: MekongClient): SocialState {
  const [data, setData] = useState<SocialData | null>(null);
  const [incomingCount, setIncomingCount] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const alive = useRef(true);
  const ticket = useRef(0);
  /** Ids of the pending requests last seen, to notice one being answered on the other side. */
  const seenRequests = useRef<string | null>(null);

  const reload = useCallback(async () => {
    const mine = ++ticket.current;
    setLoading(true);
    try {
      const s = client.social;
      const [friends, requests, suggestions, blocked] = await Promise.all([s.friends(), s.friendRequests(), s.suggestions(), s.blocked()]);
      if (!alive.current || mine !== ticket.current) return;
      setData({ friends, incoming: requests.incoming, outgoing: requests.outgoing, suggestions, blocked });
      setIncomingCount(requests.incoming.length);
      seenRequests.current = requestKey(requests);
      setError(null);
    } catch (err) {
      if (alive.current && mine === ticket.current) setError(err);
    } finally {
      if (alive.current && mine === ticket.current) setLoading(false);
    }
  }, [client]);

  useEffect(() => {
    alive.current = true;
    const poll = () => {
      if (document.visibilityState !== 'visible' || client.status !== 'online') return;
      client.social.friendRequests().then(
        (r) => {
          if (!alive.current) return;
          setIncomingCount(r.incoming.length);
          // a request came or went (answered on the other side: maybe a new friend): load everything
          const key = requestKey(r);
          if (seenRequests.current !== null && key !== seenRequests.current) void reload();
          seenRequests.current = key;
        },
        () => {}, // the next poll or an explicit reload reports problems
      );
    };
    poll();
    const timer = setInterval(poll, REQUEST_POLL_MS);
    const offStatus = client.onStatus((s) => s === 'online' && poll());
    return () => {
      alive.current = false;
      clearInterval(timer);
      offStatus();
    };
  }, [client, reload]);

  return { data, incomingCount, error, loading, reload };
}

function requestKey(r: { incoming: FriendRequestInfo[]; outgoing: FriendRequestInfo[] }): string {
  return [...r.incoming, ...r.outgoing]
    .map((x) => x.id)
    .sort()
    .join(',');
}
