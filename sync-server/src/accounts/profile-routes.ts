// Public profiles: GET /by-username/:username, POST /by-username (many at once), GET /:id, PUT /:id
// (self only). ":id" may be "me".
import { ErrorCode, IdParam, MekongError, UpdateProfileRequest, UsernameBatchRequest, type UsernameBatchResponse, UsernameParam } from '@mekong/schema';
import { Hono } from 'hono';
import { type AppEnv, type Caller, jsonBody, LARGE_BODY_LIMIT, limitBody, pathParams, requireAuth } from '../http';
import type { AccountsDeps } from './deps';
import { findUserById, findUserByUsername, findUsersByUsernames, profileOf, updateDisplayName } from './users-repo';

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

  // Many at once: a client creating a group of 1,000 asks once, not 999 times. Same answer per name
  // as the route above (any signed-in user may look anyone up by exact username), so no new exposure.
  app.post('/by-username', limitBody(LARGE_BODY_LIMIT), auth, jsonBody(UsernameBatchRequest), async (c) => {
    // the schema lower-cases each name; asked twice, answered once
    const wanted = [...new Set(c.req.valid('json').usernames)];
    const byName = new Map((await findUsersByUsernames(deps.db, wanted)).map((u) => [u.username, u]));
    const res: UsernameBatchResponse = { users: [], missing: [] };
    for (const name of wanted) {
      const user = byName.get(name);
      if (user) res.users.push(profileOf(user));
      else res.missing.push(name);
    }
    return c.json(res);
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
