// GET /me/backup and PUT /me/backup: the encrypted key backup, opaque to the server.
import { ErrorCode, MekongError, PutBackupRequest, type PutBackupResponse } from '@mekong/schema';
import { Hono } from 'hono';
import { type AppEnv, jsonBody, LARGE_BODY_LIMIT, limitBody, requireAuth } from '../http';
import { getBackup, putBackup } from './backup-repo';
import type { AccountsDeps } from './deps';

export function backupRoutes(deps: AccountsDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(deps);

  app.get('/me/backup', auth, async (c) => {
    const backup = await getBackup(deps.db, c.var.caller.userId);
    if (!backup) throw new MekongError(ErrorCode.NOT_FOUND, 'There is no key backup yet; upload one with expectedVersion 0.');
    return c.json(backup);
  });

  app.put('/me/backup', limitBody(LARGE_BODY_LIMIT), auth, jsonBody(PutBackupRequest), async (c) => {
    const { expectedVersion, data } = c.req.valid('json');
    const version = await putBackup(deps.db, c.var.caller.userId, expectedVersion, data, deps.sessions.now());
    const res: PutBackupResponse = { version };
    return c.json(res);
  });

  return app;
}
