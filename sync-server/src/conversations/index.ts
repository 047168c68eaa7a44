// The conversations service: 1-1 conversations and every conversation's membership log at
// /api/conversations, key envelopes at /api/keys.
import { Hono } from 'hono';
import type { ServiceDeps } from '../deps';
import { membershipLogRoutes } from '../groups';
import { type AppEnv, createErrorHandler, notFound } from '../http';
import { conversationKeyRoutes, deviceKeyRoutes } from './keys-routes';
import { conversationRoutes } from './routes';

function withErrors(deps: ServiceDeps, app: Hono<AppEnv>): Hono<AppEnv> {
  app.onError(createErrorHandler(deps.logger));
  app.notFound(notFound);
  return app;
}

/** Mounted at /api/conversations. */
export function createConversationsApp(deps: ServiceDeps): Hono<AppEnv> {
  const app = withErrors(deps, new Hono<AppEnv>());
  app.route('/', conversationRoutes(deps));
  app.route('/', conversationKeyRoutes(deps));
  app.route('/', membershipLogRoutes(deps));
  return app;
}

/** Mounted at /api/keys: a new device fetches every envelope addressed to it. */
export function createKeysApp(deps: ServiceDeps): Hono<AppEnv> {
  return withErrors(deps, deviceKeyRoutes(deps));
}
