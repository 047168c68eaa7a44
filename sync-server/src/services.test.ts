import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { call, countingHasher, json, key32, registerBody, registerUser, setupServices, type TestServices } from './test-helpers';

const opened: TestServices[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.db.destroy().catch(() => {});
});

function capturedLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

async function open(...args: Parameters<typeof setupServices>) {
  const s = await setupServices(...args);
  opened.push(s);
  return s;
}

describe('service probes and plumbing', () => {
  it('GET /healthz answers 200 { ok: true }', async () => {
    const s = await open();
    const res = await call(s.app, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true });
  });

  it('GET /readyz follows the database: 200 while it answers, 503 once it is gone', async () => {
    const s = await open();
    expect((await call(s.app, 'GET', '/readyz')).status).toBe(200);
    await s.db.destroy();
    const res = await call(s.app, 'GET', '/readyz');
    expect(res.status).toBe(503);
    expect(await json(res)).toEqual({ ok: false });
  });

  it('answers unknown routes and methods with a JSON NOT_FOUND', async () => {
    const s = await open();
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/api/users'],
      ['DELETE', '/api/users/me/backup'],
      ['GET', '/api/conversations/a/b/c'],
    ]) {
      const res = await call(s.app, method as string, path as string);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await json(res)).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    }
  });

  it('turns an unexpected failure into a generic 500 INTERNAL and logs it', async () => {
    const { logger, lines } = capturedLogger();
    const hasher = await countingHasher();
    const s = await open({ logger, hasher });
    await registerUser(s.app, 'lan');
    hasher.verify = async () => {
      throw new Error('disk on fire at /var/secret/path');
    };
    const res = await call(s.app, 'POST', '/api/users/login', { body: { username: 'lan', loginSecret: key32() } });
    expect(res.status).toBe(500);
    const body = await json<{ error: { code: string; message: string } }>(res);
    expect(body.error.code).toBe('INTERNAL');
    expect(body.error.message).not.toContain('disk on fire');
    expect(lines.some((l) => l.includes('unhandled error') && l.includes('disk on fire'))).toBe(true);
  });

  it('logs one line per request without bodies, tokens, secrets, backups or usernames in paths', async () => {
    const { logger, lines } = capturedLogger();
    const s = await open({ logger });
    const body = registerBody('secretive');
    const reg = await json<{ accessToken: string; refreshToken: string; user: { id: string } }>(
      await call(s.app, 'POST', '/api/users/register', { body }),
    );
    await call(s.app, 'POST', '/api/users/login', { body: { username: 'secretive', loginSecret: body.loginSecret } });
    await call(s.app, 'POST', '/api/users/login', { body: { username: 'secretive', loginSecret: key32() } });
    await call(s.app, 'POST', '/api/users/refresh', { body: { refreshToken: reg.refreshToken } });
    await call(s.app, 'GET', '/api/users/by-username/secretive', { token: reg.accessToken });
    await call(s.app, 'GET', '/api/users/me/backup', { token: reg.accessToken });

    const log = lines.join('\n');
    expect(lines.filter((l) => l.includes('"msg":"request"'))).toHaveLength(6);
    expect(log).toContain('"route":"/api/users/by-username/:username"');
    for (const secret of [body.loginSecret, body.backup, body.identityKey, reg.accessToken, reg.refreshToken, body.device.certificate, 'secretive']) {
      expect(log).not.toContain(secret);
    }
  });
});
