// POST /direct, GET /, GET /:id under /api/conversations.
import { CreateDirectRequest, type CreateDirectResponse, ErrorCode, IdParam, MekongError } from '@mekong/schema';
import { Hono } from 'hono';
import type { ServiceDeps } from '../deps';
import { logLength } from '../groups';
import { type AppEnv, jsonBody, limitBody, pathParams, requireAuth, requireDevice } from '../http';
import { hintJoins } from '../revocation';
import { assertMayStartDirect } from '../social';
import { getConversation, getOrCreateDirect, listConversations, requireMember } from './repo';

export function conversationRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(deps);

  app.post('/direct', limitBody(), auth, jsonBody(CreateDirectRequest), async (c) => {
    const caller = c.var.caller;
    requireDevice(caller);
    const { peerUserId } = c.req.valid('json');
    if (peerUserId === caller.userId) {
      throw new MekongError(ErrorCode.BAD_REQUEST, 'A direct conversation needs another user; pick someone else.');
    }
    const peer = await deps.db.selectFrom('users').select('id').where('id', '=', peerUserId).executeTakeFirst();
    if (!peer) throw new MekongError(ErrorCode.NOT_FOUND, 'There is no such user.');
    await assertMayStartDirect(deps.db, caller.userId, peer.id);
    const { conversation, created } = await getOrCreateDirect(deps.db, caller.userId, peer.id, deps.sessions.now());
    // the peer's devices, and the caller's other ones, open it now instead of at their next list refresh
    if (created) hintJoins(deps.revocations, deps.logger, [caller.userId, peer.id].map((userId) => ({ kind: 'joined', conversationId: conversation.id, userId })));
    // 0 until one of the two posts the signed create entry to /:id/log
    const res: CreateDirectResponse = { conversation, logLength: await logLength(deps.db, conversation.id) };
    return c.json(res, created ? 201 : 200);
  });

  app.get('/', auth, async (c) => c.json({ conversations: await listConversations(deps.db, c.var.caller.userId) }));

  app.get('/:id', auth, pathParams(IdParam), async (c) => {
    const { id } = c.req.valid('param');
    await requireMember(deps.db, id, c.var.caller.userId);
    const conversation = await getConversation(deps.db, id);
    if (!conversation) throw new MekongError(ErrorCode.NOT_FOUND, 'There is no such conversation.');
    return c.json({ conversation });
  });

  return app;
}
