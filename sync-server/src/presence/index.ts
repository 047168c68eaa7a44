// GET /api/presence?users=a,b,c: online and last seen, for the people the caller may know it of.
import { PresenceQuery, type PresenceResponse, type UserPresence } from '@mekong/schema';
import { Hono } from 'hono';
import type { ServiceDeps } from '../deps';
import { type AppEnv, createErrorHandler, queryParams, requireAuth } from '../http';
import { visiblePresence } from './visibility';

/** What the endpoint reads presence from: the relays' presence store (see @mekong/relay). */
export interface PresenceReader {
  lookup(userIds: readonly string[]): Promise<Array<{ online: boolean; lastSeen: number | null }>>;
}

export interface PresenceDeps extends ServiceDeps {
  presence: PresenceReader;
}

/**
 * Mounted at /api/presence. Someone the caller may not see is answered exactly like a user who was
 * never online (`online: false, lastSeen: null`), so the answer tells nothing about who exists,
 * who blocked whom, or who is hidden.
 */
export function createPresenceApp(deps: PresenceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(deps.logger));
  app.get('/', requireAuth(deps), queryParams(PresenceQuery), async (c) => {
    const caller = c.var.caller.userId;
    const asked = [...new Set(c.req.valid('query').users)];
    const visible = await visiblePresence(deps.db, caller, asked);
    const shown = asked.filter((u) => visible.has(u));
    const found = new Map((await deps.presence.lookup(shown)).map((p, i) => [shown[i]!, p]));
    const users = asked.map((userId): UserPresence => {
      const p = found.get(userId);
      return { userId, online: p?.online ?? false, lastSeen: p?.lastSeen ?? null };
    });
    return c.json({ users } satisfies PresenceResponse);
  });
  return app;
}
