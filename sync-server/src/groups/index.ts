// Groups and membership logs: /api/groups (create, read, update, disband, members and roles as signed
// log entries), the /:id/log routes of every conversation, and the checks other services borrow:
// which epoch keys may be shared, how long a log is, and how to purge a disbanded group's relay history.
import { Hono } from 'hono';
import { type AppEnv, createErrorHandler, notFound } from '../http';
import type { GroupsDeps } from './deps';
import { memberRoutes } from './member-routes';
import { groupRoutes } from './routes';

export type { GroupsDeps } from './deps';
export { checkEnvelopeEpochs, type EnvelopeSlot } from './envelope-policy';
export { appendEntry, type AppendInput } from './log-append';
export { type EntryAuthor, hashEntry, logCryptoReady, serverLogCrypto } from './log-crypto';
export { logLength } from './log-read';
/** The /:id/log routes, mounted inside the conversations app at /api/conversations. */
export { logRoutes as membershipLogRoutes } from './log-routes';
export { purgeRelayHistory } from './relay-history';

/** Mounted at /api/groups. */
export function createGroupsApp(deps: GroupsDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(deps.logger));
  app.notFound(notFound);
  app.route('/', groupRoutes(deps));
  app.route('/', memberRoutes(deps));
  return app;
}
