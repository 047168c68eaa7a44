// Presence of users, from GET /api/presence, asked 200 ids at a time.
import { MAX_PRESENCE_USERS, type PresenceResponse } from '@mekong/schema';
import type { PresenceInfo } from '../client/types';
import type { ApiClient } from '../http/api';

/** Presence of each user id, in the order given. */
export async function fetchPresence(api: ApiClient, userIds: string[]): Promise<PresenceInfo[]> {
  const unique = [...new Set(userIds)];
  const found = new Map<string, PresenceInfo>();
  for (let i = 0; i < unique.length; i += MAX_PRESENCE_USERS) {
    const chunk = unique.slice(i, i + MAX_PRESENCE_USERS);
    const res = await api.call<PresenceResponse>('GET', `/api/presence?users=${chunk.map(encodeURIComponent).join(',')}`);
    for (const p of res.users) found.set(p.userId, { userId: p.userId, online: p.online, lastSeen: p.lastSeen });
  }
  return userIds.map((id) => found.get(id) ?? { userId: id, online: false, lastSeen: null });
}
