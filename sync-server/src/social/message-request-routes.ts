// Message requests under /api/message-requests: GET / and POST /:conversationId/accept.
import { ConversationIdParam, type MessageRequestsResponse } from '@mekong/schema';
import { Hono } from 'hono';
import { type AppEnv, pathParams, requireAuth } from '../http';
import type { SocialDeps } from './deps';
import { acceptMessageRequest, listMessageRequests } from './message-requests';

export function messageRequestRoutes(deps: SocialDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(deps);

  app.get('/', auth, async (c) => c.json({ requests: await listMessageRequests(deps.db, c.var.caller.userId) } satisfies MessageRequestsResponse));

  app.post('/:conversationId/accept', auth, pathParams(ConversationIdParam), async (c) => {
    await acceptMessageRequest(deps.db, c.req.valid('param').conversationId, c.var.caller.userId, deps.sessions.now());
    return c.body(null, 204);
  });

  return app;
}
