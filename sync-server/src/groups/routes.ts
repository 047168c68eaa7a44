// POST / (create), GET /:id, PUT /:id, DELETE /:id (disband) under /api/groups.
import { CreateGroupRequest, ErrorCode, GroupId, type GroupResponse, IdParam, MAX_CREATE_GROUP_BYTES, MekongError, UpdateGroupRequest } from '@mekong/schema';
import { Hono } from 'hono';
import { type AppEnv, jsonBody, limitBody, pathParams, requireAuth, requireDevice } from '../http';
import type { GroupsDeps } from './deps';
import { announce, hintChanged } from '../revocation';
import { createGroup, disbandGroup, getGroup, requireGroupRole, updateGroup } from './groups-repo';
import { announceEntry } from './log-append';

export function groupRoutes(deps: GroupsDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(deps);

  app.post('/', limitBody(MAX_CREATE_GROUP_BYTES), auth, jsonBody(CreateGroupRequest), async (c) => {
    const deviceId = requireDevice(c.var.caller);
    const { name, description, avatar, entry } = c.req.valid('json');
    if (entry.change.op !== 'create' || entry.change.kind !== 'group') {
      throw new MekongError(ErrorCode.BAD_REQUEST, "Send the group's signed create entry, of kind 'group'.");
    }
    if (!GroupId.safeParse(entry.conv).success) {
      throw new MekongError(ErrorCode.BAD_REQUEST, 'The group id (entry.conv) must be 1–64 url-safe characters.');
    }
    const now = deps.sessions.now();
    await createGroup(
      deps.db,
      { name, description: description ?? null, avatar: avatar ?? null },
      { conv: entry.conv, entry, author: { userId: c.var.caller.userId, deviceId }, now },
    );
    deps.logger.info({ groupId: entry.conv, members: entry.change.members.length }, 'group created');
    await announceEntry(deps, entry.conv, entry);
    return c.json({ group: await getGroup(deps.db, entry.conv) } satisfies GroupResponse, 201);
  });

  app.get('/:id', auth, pathParams(IdParam), async (c) => {
    const { id } = c.req.valid('param');
    await requireGroupRole(deps.db, id, c.var.caller.userId);
    return c.json({ group: await getGroup(deps.db, id) } satisfies GroupResponse);
  });

  app.put('/:id', limitBody(), auth, pathParams(IdParam), jsonBody(UpdateGroupRequest), async (c) => {
    requireDevice(c.var.caller);
    const { id } = c.req.valid('param');
    const role = await requireGroupRole(deps.db, id, c.var.caller.userId);
    if (role === 'member') throw new MekongError(ErrorCode.FORBIDDEN, "Only the group's admins and owner change its name, description and avatar.");
    await updateGroup(deps.db, id, c.req.valid('json'), deps.sessions.now());
    hintChanged(deps.revocations, deps.logger, id);
    return c.json({ group: await getGroup(deps.db, id) } satisfies GroupResponse);
  });

  app.delete('/:id', auth, pathParams(IdParam), async (c) => {
    requireDevice(c.var.caller);
    const { id } = c.req.valid('param');
    const role = await requireGroupRole(deps.db, id, c.var.caller.userId);
    if (role !== 'owner') throw new MekongError(ErrorCode.FORBIDDEN, 'Only the owner disbands a group; leave it instead.');
    const members = await disbandGroup(deps.db, id, deps.sessions.now());
    deps.logger.info({ groupId: id }, 'group disbanded');
    await announce(
      deps.revocations,
      deps.logger,
      members.map((userId) => ({ kind: 'member', conversationId: id, userId })),
    );
    if (deps.onDisband) {
      await deps.onDisband(id).catch((err: unknown) => deps.logger.warn({ err, groupId: id }, 'purging a disbanded group outside the database failed'));
    }
    return c.body(null, 204);
  });

  return app;
}
