// The freshest view of one group for its info panel. The list's copy changes when members or the
// name change, but a role change alone may not reach it, so while the panel is open the group is
// fetched (and its new membership entries verified) on open, whenever the list's copy changes,
// and every few seconds.
import type { GroupInfo, MekongClient } from '@mekong/client-core';
import { useEffect, useState } from 'react';

/** How often an open info panel checks the group's membership log. */
export const GROUP_REFRESH_MS = 5000;

function signature(g: GroupInfo): string {
  return `${g.name}|${g.epoch}|${g.role}|${g.members.map((m) => `${m.id}:${m.role}:${m.username}`).join(',')}`;
}

export function useGroup(client: MekongClient, listed: GroupInfo): GroupInfo {
  const [fresh, setFresh] = useState<GroupInfo | null>(null);
  const listedKey = signature(listed);

  // listedKey stands for the listed copy's content: a new copy with the same content fetches nothing
  useEffect(() => {
    // fetches started before the list's copy changed are dropped (alive), so a result shown here
    // is never older than the list's copy
    let alive = true;
    setFresh(null);
    const load = () =>
      client.group(listed.id).then(
        (g) => alive && setFresh(g),
        () => {}, // offline or gone: what is known stays on screen
      );
    void load();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && client.status === 'online') void load();
    }, GROUP_REFRESH_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [client, listed.id, listedKey]);

  return fresh && fresh.id === listed.id ? fresh : listed;
}
