import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { call, errorCode, registerUser, setupServices, type TestServices } from '../test-helpers';
import { createProcessMetrics, EVENT_LOOP_SAMPLE_MS, httpMetrics } from './index';

const opened: TestServices[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.db.destroy().catch(() => {});
});

/** Lines of one metric family with their values, e.g. { 'mekong_http_requests_total{...}': 1 }. */
function samples(text: string, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      const at = line.lastIndexOf(' ');
      out[line.slice(0, at)] = Number(line.slice(at + 1));
    }
  }
  return out;
}

describe('HTTP metrics', () => {
  it('count requests by method, route pattern and status, never by concrete path', async () => {
    const s = await setupServices();
    opened.push(s);
    const registry = new Registry();
    const app = new Hono();
    app.use('*', httpMetrics(registry));
    app.route('/', s.app);
    const lan = await registerUser(app, 'lan');
    for (let i = 0; i < 2; i++) expect((await call(app, 'GET', '/api/users/by-username/lan', { token: lan.accessToken })).status).toBe(200);
    expect((await call(app, 'GET', '/api/users/by-username/nobody', { token: lan.accessToken })).status).toBe(404);
    expect((await call(app, 'GET', '/healthz')).status).toBe(200);

    const text = await registry.metrics();
    expect(samples(text, 'mekong_http_requests_total')).toEqual({
      'mekong_http_requests_total{method="POST",route="/api/users/register",status="201"}': 1,
      'mekong_http_requests_total{method="GET",route="/api/users/by-username/:username",status="200"}': 2,
      'mekong_http_requests_total{method="GET",route="/api/users/by-username/:username",status="404"}': 1,
      'mekong_http_requests_total{method="GET",route="/healthz",status="200"}': 1,
    });
    expect(samples(text, 'mekong_http_request_duration_seconds_count')).toEqual({
      'mekong_http_request_duration_seconds_count{method="POST",route="/api/users/register",status="201"}': 1,
      'mekong_http_request_duration_seconds_count{method="GET",route="/api/users/by-username/:username",status="200"}': 2,
      'mekong_http_request_duration_seconds_count{method="GET",route="/api/users/by-username/:username",status="404"}': 1,
      'mekong_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}': 1,
    });
    expect(text).not.toContain('nobody');
    expect(text).not.toContain(lan.user.id);
  });

  it('labels an unknown path with the catch-all pattern, so a scan adds no series', async () => {
    const registry = new Registry();
    const app = new Hono();
    app.use('*', httpMetrics(registry));
    app.get('/known/:id', (c) => c.text('ok'));
    for (const path of ['/a', '/b/c', '/known']) expect((await app.request(path)).status).toBe(404);
    expect(samples(await registry.metrics(), 'mekong_http_requests_total')).toEqual({
      'mekong_http_requests_total{method="GET",route="/*",status="404"}': 3,
    });
  });
});

describe('GET /metrics', () => {
  const serve = (token?: string) => {
    const metrics = createProcessMetrics(token ? { token } : {});
    metrics.watchHasher({ pending: 4 });
    const app = new Hono();
    app.use('*', metrics.http);
    app.get('/metrics', metrics.endpoint);
    return app;
  };

  it('serves default process metrics and the password-hash queue in Prometheus text format', async () => {
    const res = await serve().request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(samples(text, 'mekong_password_hash_queue')).toEqual({ mekong_password_hash_queue: 4 });
  });

  it('lets an idle process sleep: the main thread wakes about 1000/EVENT_LOOP_SAMPLE_MS times a second, not 100', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'idle-process.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`idle process exited with ${code}`)));
      });
      // the main thread's task id is the pid; every wake-up from epoll is a voluntary context switch
      const switches = () => Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/task/${child.pid}/status`, 'utf8'))?.[1]);
      await new Promise((r) => setTimeout(r, 300)); // start-up work settles
      const before = switches();
      await new Promise((r) => setTimeout(r, 2000));
      const perSecond = (switches() - before) / 2;
      expect(perSecond).toBeGreaterThan(0);
      expect(perSecond).toBeLessThan((1000 / EVENT_LOOP_SAMPLE_MS) * 3);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('with a token, answers 401 UNAUTHENTICATED unless the scraper presents it', async () => {
    const app = serve('s3cret-scrape-token');
    for (const authorization of [undefined, 'Bearer wrong', 's3cret-scrape-token', 'Bearer ']) {
      const res = await app.request('/metrics', { headers: authorization ? { authorization } : {} });
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await errorCode(res)).toBe('UNAUTHENTICATED');
    }
    const ok = await app.request('/metrics', { headers: { authorization: 'Bearer s3cret-scrape-token' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('mekong_http_requests_total{method="GET",route="/metrics",status="401"} 4');
  });
});
