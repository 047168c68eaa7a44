// The accounts service, mounted at /api/users: registration, sessions, profiles, devices, backup.
import { Hono } from 'hono';
import { type AppEnv, createErrorHandler, notFound } from '../http';
import { backupRoutes } from './backup-routes';
import type { AccountsDeps } from './deps';
import { deviceRoutes } from './device-routes';
import { loginRoutes } from './login';
import { profileRoutes } from './profile-routes';
import { registerRoutes } from './register';
import { sessionRoutes } from './session-routes';

export { type BanOutcome, banUser, isBanned, unbanUser } from './bans-repo';
export type { AccountLimits, AccountsDeps } from './deps';
export { findUserById, findUserByUsername } from './users-repo';

export function createAccountsApp(deps: AccountsDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(deps.logger));
  app.notFound(notFound);
  // Order matters where patterns overlap: "/by-username/devices" must reach the profile
  // route before "/:id/devices" could read it as the devices of a user named "by-username".
  app.route('/', registerRoutes(deps));
  app.route('/', loginRoutes(deps));
  app.route('/', sessionRoutes(deps));
  app.route('/', backupRoutes(deps));
  app.route('/', profileRoutes(deps));
  app.route('/', deviceRoutes(deps));
  return app;
}
