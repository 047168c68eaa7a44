// Friend requests and friends under /api/friends.
import {
  type AcceptFriendRequestResponse,
  ErrorCode,
  FriendIdParam,
  type FriendListResponse,
  type FriendRequestsResponse,
  type FriendSuggestionsResponse,
  MekongError,
  RequestIdParam,
  type SendFriendRequestResponse,
  UserIdParam,
  UserRef,
} from '@mekong/schema';
import { Hono } from 'hono';
import { type AppEnv, jsonBody, limitBody, pathParams, requireAuth } from '../http';
import type { SocialDeps } from './deps';
import { listFriends, suggestFriends, unfriend } from './friends-repo';
import { acceptFriendRequest, dropFriendRequest, listFriendRequests, sendFriendRequest } from './requests-repo';
import { ownUserId, SOCIAL_BODY_LIMIT } from './route-helpers';

export function friendsRoutes(deps: SocialDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(deps);
  const now = () => deps.sessions.now();

  app.post('/request', limitBody(SOCIAL_BODY_LIMIT), auth, jsonBody(UserRef), async (c) => {
    const outcome = await sendFriendRequest(deps.db, c.var.caller.userId, c.req.valid('json').userId, now());
    if (outcome.status === 'friends') return c.json({ status: 'friends', friend: outcome.friend } satisfies SendFriendRequestResponse);
    const res: SendFriendRequestResponse = { status: 'pending', request: outcome.request };
    return c.json(res, outcome.created ? 201 : 200);
  });

  app.put('/request/:id/accept', auth, pathParams(RequestIdParam), async (c) => {
    const friend = await acceptFriendRequest(deps.db, c.var.caller.userId, c.req.valid('param').id, now());
    return c.json({ friend } satisfies AcceptFriendRequestResponse);
  });

  app.put('/request/:id/reject', auth, pathParams(RequestIdParam), async (c) => {
    await dropFriendRequest(deps.db, c.var.caller.userId, c.req.valid('param').id, 'recipient');
    return c.body(null, 204);
  });

  app.delete('/request/:id', auth, pathParams(RequestIdParam), async (c) => {
    await dropFriendRequest(deps.db, c.var.caller.userId, c.req.valid('param').id, 'sender');
    return c.body(null, 204);
  });

  app.get('/requests', auth, async (c) => c.json((await listFriendRequests(deps.db, c.var.caller.userId)) satisfies FriendRequestsResponse));

  app.get('/list/:userId', auth, pathParams(UserIdParam), async (c) => {
    const me = ownUserId(c.req.valid('param').userId, c.var.caller, 'friend list');
    return c.json({ friends: await listFriends(deps.db, me) } satisfies FriendListResponse);
  });

  app.get('/suggestions/:userId', auth, pathParams(UserIdParam), async (c) => {
    const me = ownUserId(c.req.valid('param').userId, c.var.caller, 'friend suggestions');
    return c.json({ suggestions: await suggestFriends(deps.db, me) } satisfies FriendSuggestionsResponse);
  });

  app.delete('/:friendId', auth, pathParams(FriendIdParam), async (c) => {
    if (!(await unfriend(deps.db, c.var.caller.userId, c.req.valid('param').friendId, now()))) {
      throw new MekongError(ErrorCode.NOT_FOUND, 'You are not friends with this user.');
    }
    return c.body(null, 204);
  });

  return app;
}
