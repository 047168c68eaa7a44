// Public profiles: GET /by-username/:username, GET /:id, PUT /:id (self only). ":id" may be "me".
import { ErrorCode, IdParam, MekongError, UpdateProfileRequest, UsernameParam } from '@mekong/schema';
import { Hono } from 'hono';
import { type AppEnv, type Caller, jsonBody, limitBody, pathParams, requireAuth } from '../http';
import type { AccountsDeps } from './deps';
import { findUserById, findUserByUsername, profileOf, updateDisplayName } from './users-repo';

export const noSuchUser = () => new MekongError(ErrorCode.NOT_FOUND, 'There is no such user.');

/** "me" names the caller, so a client can ask about itself before it knows its id. */
export const resolveUserId = (id: string, caller: Caller) => (id === 'me' ? caller.userId : id);

export function profileRoutes(deps: AccountsDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(deps);

  app.get('/by-username/:username', auth, pathParams(UsernameParam), async (c) => {
    const user = await findUserByUsername(deps.db, c.req.valid('param').username);
    if (!user) throw noSuchUser();
    return c.json(profileOf(user));
  });

  app.get('/:id', auth, pathParams(IdParam), async (c) => {
    const user = await findUserById(deps.db, resolveUserId(c.req.valid('param').id, c.var.caller));
    if (!user) throw noSuchUser();
    return c.json(profileOf(user));
  });

  app.put('/:id', limitBody(), auth, pathParams(IdParam), jsonBody(UpdateProfileRequest), async (c) => {
    const id = resolveUserId(c.req.valid('param').id, c.var.caller);
    if (id !== c.var.caller.userId) throw new MekongError(ErrorCode.FORBIDDEN, 'You can only change your own profile.');
    const { displayName } = c.req.valid('json');
    if (displayName !== undefined) await updateDisplayName(deps.db, id, displayName);
    const user = await findUserById(deps.db, id);
    if (!user) throw noSuchUser();
    return c.json(profileOf(user));
  });

  return app;
}
