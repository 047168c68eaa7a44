// The social service: friend requests and friends, blocks, user search, contact details and
// message requests. One app mounted at /api; the functions below are for the other services.
import { Hono } from 'hono';
import { type AppEnv, createErrorHandler } from '../http';
import { blocksRoutes } from './blocks-routes';
import { contactRoutes } from './contact-routes';
import type { SocialDeps } from './deps';
import { friendsRoutes } from './friends-routes';
import { messageRequestRoutes } from './message-request-routes';
import { searchRoutes } from './search-routes';

export type { SocialDeps } from './deps';
export { assertMayStartDirect } from './direct-guard';
export { isBlockedEitherWay } from './graph';
export { isMessageRequest } from './message-requests';
export { indexUser, refreshSearchIndex } from './search-index';

/**
 * Mounted at /api: /friends/*, /blocks/*, /search/users, /message-requests/* and
 * /users/me/contact. No '*' middleware here: mounted at /api it would reach every other service.
 */
export function createSocialApp(deps: SocialDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(deps.logger));
  app.route('/friends', friendsRoutes(deps));
  app.route('/blocks', blocksRoutes(deps));
  app.route('/search', searchRoutes(deps));
  app.route('/message-requests', messageRequestRoutes(deps));
  app.route('/users', contactRoutes(deps));
  return app;
}
