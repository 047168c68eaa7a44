// Membership changes of a group, each carried by its signed log entry: POST /:id/members (add),
// DELETE /:id/members/:userId (remove, or leave for oneself), PUT /:id/members/:userId/role.
import { ErrorCode, GroupMemberParam, IdParam, type LogAppendResponse, LogEntryRequest, type MembershipEntry, MekongError } from '@mekong/schema';
import { type Context, Hono } from 'hono';
import { type AppEnv, jsonBody, limitBody, pathParams, requireAuth, requireDevice } from '../http';
import type { GroupsDeps } from './deps';
import { requireGroupRole } from './groups-repo';
import { announceEntry, appendEntry } from './log-append';

const mismatch = (what: string) => new MekongError(ErrorCode.BAD_REQUEST, `The entry does not match the request: ${what}.`);

export function memberRoutes(deps: GroupsDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(deps);

  /** Checks membership, then `matches`, then appends; answers the new length and epoch. */
  async function append(c: Context<AppEnv>, id: string, entry: MembershipEntry, matches: () => void, status: 200 | 201) {
    const deviceId = requireDevice(c.var.caller);
    await requireGroupRole(deps.db, id, c.var.caller.userId);
    matches();
    const next = await appendEntry(deps.db, { conv: id, entry, author: { userId: c.var.caller.userId, deviceId }, now: deps.sessions.now() });
    deps.logger.info({ groupId: id, op: entry.change.op, index: entry.index }, 'membership changed');
    await announceEntry(deps, id, entry);
    return c.json({ length: next.length, epoch: next.epoch } satisfies LogAppendResponse, status);
  }

  app.post('/:id/members', limitBody(), auth, pathParams(IdParam), jsonBody(LogEntryRequest), async (c) => {
    const { entry } = c.req.valid('json');
    return append(c, c.req.valid('param').id, entry, () => {
      if (entry.change.op !== 'add') throw mismatch("adding a member takes an 'add' entry");
    }, 201);
  });

  app.delete('/:id/members/:userId', limitBody(), auth, pathParams(GroupMemberParam), jsonBody(LogEntryRequest), async (c) => {
    const { id, userId } = c.req.valid('param');
    const { entry } = c.req.valid('json');
    return append(c, id, entry, () => {
      const ch = entry.change;
      if (userId === c.var.caller.userId) {
        if (ch.op !== 'leave') throw mismatch("leaving takes a 'leave' entry");
      } else if (ch.op !== 'remove' || ch.user !== userId) {
        throw mismatch("removing this member takes a 'remove' entry that names them");
      }
    }, 200);
  });

  app.put('/:id/members/:userId/role', limitBody(), auth, pathParams(GroupMemberParam), jsonBody(LogEntryRequest), async (c) => {
    const { id, userId } = c.req.valid('param');
    const { entry } = c.req.valid('json');
    return append(c, id, entry, () => {
      if (entry.change.op !== 'role' || entry.change.user !== userId) throw mismatch("changing this member's role takes a 'role' entry that names them");
    }, 200);
  });

  return app;
}
