// Blocks under /api/blocks: POST / { userId }, DELETE /:userId, GET /.
import { type BlockListResponse, type BlockResponse, ErrorCode, MekongError, UserIdParam, UserRef } from '@mekong/schema';
import { Hono } from 'hono';
import { type AppEnv, jsonBody, limitBody, pathParams, requireAuth } from '../http';
import { announce, hintJoins } from '../revocation';
import { block, listBlocks, unblock } from './blocks-repo';
import type { SocialDeps } from './deps';
import { directConversationOf } from './graph';
import { SOCIAL_BODY_LIMIT } from './route-helpers';

export function blocksRoutes(deps: SocialDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(deps);

  app.post('/', limitBody(SOCIAL_BODY_LIMIT), auth, jsonBody(UserRef), async (c) => {
    const me = c.var.caller.userId;
    const target = c.req.valid('json').userId;
    const out = await block(deps.db, me, target, deps.sessions.now());
    // the blocked person loses the direct conversation (see the directory); their open subscription ends now
    const direct = await directConversationOf(deps.db, me, target);
    if (direct) await announce(deps.revocations, deps.logger, [{ kind: 'member', conversationId: direct, userId: target }]);
    return c.json({ block: out.block } satisfies BlockResponse, out.created ? 201 : 200);
  });

  app.delete('/:userId', auth, pathParams(UserIdParam), async (c) => {
    const me = c.var.caller.userId;
    const target = c.req.valid('param').userId;
    if (!(await unblock(deps.db, me, target))) {
      throw new MekongError(ErrorCode.NOT_FOUND, 'You have not blocked this user.');
    }
    // the unblocked person has the direct conversation back: their devices follow it again now
    const direct = await directConversationOf(deps.db, me, target);
    if (direct) hintJoins(deps.revocations, deps.logger, [{ kind: 'joined', conversationId: direct, userId: target }]);
    return c.body(null, 204);
  });

  app.get('/', auth, async (c) => c.json({ blocks: await listBlocks(deps.db, c.var.caller.userId) } satisfies BlockListResponse));

  return app;
}
