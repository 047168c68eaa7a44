// The membership log of any conversation, direct or group, under /api/conversations:
// POST /:id/log appends one signed entry, GET /:id/log?after=N reads the entries from index N on.
import { ErrorCode, IdParam, type LogAppendResponse, LogEntryRequest, LogQuery, MAX_LOG_PAGE, MekongError } from '@mekong/schema';
import { Hono } from 'hono';
import type { ServiceDeps } from '../deps';
import { type AppEnv, jsonBody, limitBody, pathParams, queryParams, requireAuth, requireDevice } from '../http';
import { membershipOf } from './groups-repo';
import { announceEntry, appendEntry } from './log-append';
import { readLog } from './log-read';

const notMember = () => new MekongError(ErrorCode.NOT_MEMBER, 'You are not a member of this conversation.');

export function logRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(deps);

  // Any entry of an existing conversation: the create entry of a direct one, rotations, and the
  // same membership changes the group routes take (there with the path checked against the entry).
  app.post('/:id/log', limitBody(), auth, pathParams(IdParam), jsonBody(LogEntryRequest), async (c) => {
    const deviceId = requireDevice(c.var.caller);
    const { id } = c.req.valid('param');
    const { entry } = c.req.valid('json');
    if ((await membershipOf(deps.db, id, c.var.caller.userId)).role === null) throw notMember();
    const next = await appendEntry(deps.db, { conv: id, entry, author: { userId: c.var.caller.userId, deviceId }, now: deps.sessions.now() });
    deps.logger.info({ conversationId: id, op: entry.change.op, index: entry.index }, 'membership log appended');
    await announceEntry(deps, id, entry);
    return c.json({ length: next.length, epoch: next.epoch } satisfies LogAppendResponse, 201);
  });

  // Current members only: someone removed keeps what they fetched while a member, and learns
  // nothing of the group's membership after they left.
  app.get('/:id/log', auth, pathParams(IdParam), queryParams(LogQuery), async (c) => {
    const { id } = c.req.valid('param');
    const { after, limit } = c.req.valid('query');
    if ((await membershipOf(deps.db, id, c.var.caller.userId)).role === null) throw notMember();
    const page = await readLog(deps.db, id, after ?? 0, limit ?? MAX_LOG_PAGE);
    // the entries are stored as the JSON they arrived in, so they are passed through unparsed
    return c.body(`{"entries":[${page.entries.join(',')}],"length":${page.length}}`, 200, { 'content-type': 'application/json' });
  });

  return app;
}
