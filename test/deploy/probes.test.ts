// What the probes, healthchecks and load balancers of deploy/ expect, against a running relay and
// a running API replica: the probe paths answer, /sync is a WebSocket at relays only, /api lives
// at API replicas only, and /metrics serves Prometheus text where the pod annotations point.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningMekong, startMekong } from '@mekong/sync-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FAST_HASH } from '../helpers';
import { containerOf, docker, mekongServices, objects, PORT } from './kit';

describe('what the probes and the load balancer expect, against a running relay and API replica', () => {
  let dir: string;
  const running: Partial<Record<'relay' | 'api', RunningMekong>> = {};
  const url = (role: 'relay' | 'api', path: string) => `http://127.0.0.1:${running[role]!.port}${path}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mekong-deploy-'));
    for (const role of ['relay', 'api'] as const) {
      running[role] = await startMekong({ port: 0, host: '127.0.0.1', role, dataDir: join(dir, role), logLevel: 'silent', passwordHash: FAST_HASH });
    }
  });
  afterAll(async () => {
    await running.relay?.stop();
    await running.api?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Every HTTP path a probe or healthcheck in the kit requests from a Mekong process. */
  const probePaths = (): string[] => {
    const paths = new Set<string>();
    for (const d of objects('Deployment')) {
      const c = containerOf(d);
      for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (p?.httpGet) paths.add(p.httpGet.path);
    }
    const healthchecks = [
      ...mekongServices().map(([, svc]) => svc.healthcheck?.test.join(' ') ?? ''),
      docker.filter((i) => i.op === 'HEALTHCHECK').at(-1)?.args ?? '',
    ];
    for (const check of healthchecks) {
      // fetch('http://127.0.0.1:8787/readyz') or fetch('http://127.0.0.1:'+(…)+'/healthz')
      const path = /127\.0\.0\.1:(?:\d+|'[^']*')(\/[a-z]+)/.exec(check)?.[1];
      expect(path, check).toBeDefined();
      paths.add(path!);
    }
    return [...paths].sort();
  };

  it('answers every probe path of the kit with 200 on both roles', async () => {
    const paths = probePaths();
    expect(paths).toEqual(['/healthz', '/readyz']);
    for (const role of ['relay', 'api'] as const) {
      for (const path of paths) expect((await fetch(url(role, path))).status, `${role} ${path}`).toBe(200);
    }
  });

  it('accepts WebSockets on /sync at a relay but not at an API replica', async () => {
    const opens = (role: 'relay' | 'api') =>
      new Promise<boolean>((done) => {
        const ws = new WebSocket(url(role, '/sync').replace(/^http/, 'ws'));
        ws.on('open', () => {
          ws.close();
          done(true);
        });
        ws.on('unexpected-response', () => done(false));
        ws.on('error', () => done(false));
      });
    expect(await opens('relay')).toBe(true);
    expect(await opens('api')).toBe(false);
  });

  it('serves /api at an API replica and not at a relay', async () => {
    expect((await fetch(url('api', '/api/users/me'))).status).toBe(401);
    expect((await fetch(url('relay', '/api/users/me'))).status).toBe(404);
  });

  it('serves Prometheus metrics on /metrics on both roles, where the pod annotations point', async () => {
    for (const d of objects('Deployment')) {
      const annotations = (d.spec!.template!.metadata as { annotations?: Record<string, string> }).annotations ?? {};
      expect(annotations['prometheus.io/path'], d.metadata.name).toBe('/metrics');
      expect(annotations['prometheus.io/port'], d.metadata.name).toBe(String(PORT));
    }
    for (const role of ['relay', 'api'] as const) {
      const res = await fetch(url(role, '/metrics'));
      expect(res.status, role).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toMatch(/^# (HELP|TYPE) /m);
    }
  });
});
