// GET and PUT /api/users/me/contact: the caller's phone number and email (private; exact search only).
import { type ContactResponse, UpdateContactRequest } from '@mekong/schema';
import { Hono } from 'hono';
import { type AppEnv, jsonBody, limitBody, requireAuth } from '../http';
import { getContact, updateContact } from './contact-repo';
import type { SocialDeps } from './deps';
import { SOCIAL_BODY_LIMIT } from './route-helpers';

export function contactRoutes(deps: SocialDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(deps);

  app.get('/me/contact', auth, async (c) => c.json((await getContact(deps.db, c.var.caller.userId)) satisfies ContactResponse));

  app.put('/me/contact', limitBody(SOCIAL_BODY_LIMIT), auth, jsonBody(UpdateContactRequest), async (c) => {
    return c.json((await updateContact(deps.db, c.var.caller.userId, c.req.valid('json'))) satisfies ContactResponse);
  });

  return app;
}
