// The media routes behind a real HTTP server: an oversized upload is answered with 413 while the
// client is still sending, and the client gets that answer (not a broken connection).
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Registered, registerUser, setupServices, type TestServices } from '../test-helpers';

const MiB = 1024 * 1024;

let s: TestServices;
let server: Server;
let base: string;
let lan: Registered;
beforeEach(async () => {
  s = await setupServices({ mediaLimits: { maxBytes: MiB, quotaBytes: 10 * MiB } });
  lan = await registerUser(s.app, 'lan');
  server = await new Promise<Server>((ok) => {
    const started = serve({ fetch: s.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ok(started as Server));
  });
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
  await s.db.destroy();
});

const post = (body: BodyInit) =>
  fetch(`${base}/api/media`, {
    method: 'POST',
    body,
    duplex: 'half',
    headers: { authorization: `Bearer ${lan.accessToken}`, 'content-type': 'application/octet-stream' },
  } as RequestInit);

describe('media uploads over HTTP', () => {
  it('answers a chunked upload far above the limit with 413 long before the client has sent it all', async () => {
    const total = 64 * MiB;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) return controller.close();
        sent += 64 * 1024;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const res = await post(body);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(sent).toBeLessThan(total);
    expect(await s.db.selectFrom('media_blobs').selectAll().execute()).toEqual([]);
  });

  it('answers a declared oversized upload with 413 and a fitting one with 201', async () => {
    const res = await post(new Uint8Array(3 * MiB));
    expect(res.status).toBe(413);
    const ok = await post(new Uint8Array(MiB));
    expect(ok.status).toBe(201);
  });
});
