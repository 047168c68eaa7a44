// Epoch-key envelopes: POST and GET /:id/keys under /api/conversations, and GET / under /api/keys.
import { AllKeysQuery, type AllKeysResponse, IdParam, MAX_KEYS_PAGE, PostKeyEnvelopesRequest } from '@mekong/schema';
import { Hono } from 'hono';
import type { ServiceDeps } from '../deps';
import { checkEnvelopeEpochs } from '../groups';
import { type AppEnv, jsonBody, LARGE_BODY_LIMIT, limitBody, pathParams, queryParams, requireAuth, requireDevice } from '../http';
import { decodeCursor, encodeCursor } from './cursor';
import { deviceEnvelopesPage, envelopesFor, storeEnvelopes } from './keys-repo';
import { requireMember } from './repo';

/** Routes under /api/conversations/:id/keys. */
export function conversationKeyRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(deps);

  // Up to 2,000 envelopes of ~170 bytes each in JSON: past the default limit, hence the large one.
  app.post('/:id/keys', limitBody(LARGE_BODY_LIMIT), auth, pathParams(IdParam), jsonBody(PostKeyEnvelopesRequest), async (c) => {
    const sender = requireDevice(c.var.caller);
    const { id } = c.req.valid('param');
    await requireMember(deps.db, id, c.var.caller.userId);
    const { envelopes } = c.req.valid('json');
    // once the conversation has a membership log, keys travel only between holders of their epoch
    await checkEnvelopeEpochs(deps.db, id, c.var.caller.userId, envelopes);
    await storeEnvelopes(deps.db, id, sender, envelopes, deps.sessions.now());
    return c.body(null, 204);
  });

  app.get('/:id/keys', auth, pathParams(IdParam), async (c) => {
    const device = requireDevice(c.var.caller);
    const { id } = c.req.valid('param');
    await requireMember(deps.db, id, c.var.caller.userId);
    return c.json({ envelopes: await envelopesFor(deps.db, id, device) });
  });

  return app;
}

/** The app mounted at /api/keys: everything addressed to the caller's device, in pages. */
export function deviceKeyRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/', requireAuth(deps), queryParams(AllKeysQuery), async (c) => {
    const device = requireDevice(c.var.caller);
    const { after, limit } = c.req.valid('query');
    const page = await deviceEnvelopesPage(
      deps.db,
      c.var.caller.userId,
      device,
      after === undefined ? undefined : decodeCursor(after),
      limit ?? MAX_KEYS_PAGE,
    );
    const res: AllKeysResponse = { envelopes: page.envelopes, nextCursor: page.last ? encodeCursor(page.last) : null };
    return c.json(res);
  });

  return app;
}
