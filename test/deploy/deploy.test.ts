// The deployment kit (deploy/) without Docker: the files parse; the image runs a real entry point
// with the dependencies it imports; compose starts real roles of main.ts with variables the code
// reads, on the port it listens on; nginx sends /sync to relays and the rest to API replicas.
// Kubernetes: k8s.test.ts. Probes against running processes: probes.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_MEDIA_BYTES } from '@mekong/schema';
import { startMekong } from '@mekong/sync-server';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { FAST_HASH } from '../helpers';
import {
  CLUSTER_ENV,
  compose,
  DEFAULT_DRAIN_MS,
  docker,
  k8s,
  k8sEnv,
  k8sFiles,
  mekongServices,
  nginx,
  PORT,
  ROLES,
  SHUTDOWN_MARGIN_MS,
  secret,
  unknownEnv,
} from './kit';
import {
  blocks,
  directive,
  dockerIgnores,
  durationMs,
  execForm,
  exists,
  listFiles,
  type NginxBlock,
  parseNginx,
  parseYamlFile,
  ROOT,
  read,
  roleOf,
  sizeBytes,
} from './manifests';

describe('every deployment file parses', () => {
  it('finds the whole kit', () => {
    for (const f of ['deploy/Dockerfile', 'deploy/compose.yaml', 'deploy/nginx.conf', 'deploy/.env.example', 'deploy/README.md', '.dockerignore']) {
      expect(exists(f), f).toBe(true);
    }
    expect(k8sFiles.length).toBeGreaterThan(3);
  });

  it('parses each YAML document without errors or warnings, and each Kubernetes object is complete', () => {
    const yamls = listFiles('deploy').filter((f) => /\.ya?ml$/.test(f));
    for (const f of yamls) expect(() => parseYamlFile(f), f).not.toThrow();
    for (const { file, obj } of k8s) {
      expect(obj.apiVersion, file).toBeTruthy();
      expect(obj.kind, file).toBeTruthy();
      if (obj.kind !== 'Kustomization') expect(obj.metadata?.name, `${file} ${obj.kind}`).toBeTruthy();
    }
  });

  it('reads nginx.conf as balanced blocks of terminated directives', () => {
    expect(blocks(nginx, 'http')).toHaveLength(1);
    expect(blocks(nginx, 'events')).toHaveLength(1);
    expect(() => parseNginx('http { server { listen 80 }')).toThrow();
  });

  it('reads the Dockerfile as a multi-stage build on node:20-bookworm-slim', () => {
    const froms = docker.filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const arg = docker.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    expect(arg?.args).toBe('NODE_IMAGE=node:20-bookworm-slim');
    for (const f of froms) expect(f.args).toMatch(/^\$\{NODE_IMAGE\} AS \w+$/);
  });
});

describe('Dockerfile', () => {
  const runtime = Math.max(...docker.map((i) => i.stage));
  const final = docker.filter((i) => i.stage === runtime);
  const last = (op: string) => final.filter((i) => i.op === op).at(-1);

  it('runs main.ts through tsx as a non-root user, stops on SIGTERM and exposes PORT', () => {
    const entry = execForm(last('ENTRYPOINT')!.args);
    const script = entry.find((a) => a.endsWith('.ts'));
    expect(script).toBe('sync-server/src/main.ts');
    expect(exists(script!)).toBe(true);
    expect(entry.slice(entry.indexOf('node'), entry.indexOf('node') + 3)).toEqual(['node', '--import', 'tsx']);
    // the init process in front of node is installed in this stage
    expect(entry[0]).toBe('/usr/bin/tini');
    expect(final.some((i) => i.op === 'RUN' && /apt-get install[^&]*\btini\b/.test(i.args))).toBe(true);
    const cmd = execForm(last('CMD')!.args);
    expect(ROLES).toContain(roleOf(cmd));
    const user = last('USER')!.args;
    expect(user).not.toMatch(/^(root|0)$/);
    expect(last('STOPSIGNAL')!.args).toBe('SIGTERM');
    expect(last('EXPOSE')!.args).toBe(String(PORT));
    expect(final.find((i) => i.op === 'ENV')!.args).toMatch(new RegExp(`\\bPORT=${PORT}\\b`));
  });

  it('keeps tsx and every package the server imports after pruning development dependencies', async () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
    const isProd = (name: string) => {
      const entry = lock.packages[`node_modules/${name}`];
      return entry !== undefined && entry.dev !== true;
    };
    expect(docker.some((i) => i.op === 'RUN' && /npm prune --omit=dev/.test(i.args))).toBe(true);
    expect(isProd('tsx'), 'tsx must survive npm prune --omit=dev').toBe(true);
    // every bare import reachable from the entry point and the password worker
    const imported = new Set<string>();
    const builtins = new Set(builtinModules);
    await build({
      entryPoints: [join(ROOT, 'sync-server/src/main.ts'), join(ROOT, 'sync-server/src/passwords/argon2-worker.mjs')],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
      outdir: join(tmpdir(), 'mekong-deploy-check'),
      plugins: [
        {
          name: 'collect-packages',
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (args) => {
              if (args.path.startsWith('@mekong/')) return undefined; // a workspace: follow it
              const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0]!;
              if (!args.path.startsWith('node:') && !builtins.has(name)) imported.add(name);
              return { path: args.path, external: true };
            });
          },
        },
      ],
    });
    expect(imported.size).toBeGreaterThan(5);
    expect([...imported].filter((name) => !isProd(name))).toEqual([]);
  });

  it('gives npm ci every workspace manifest and bin before it runs', () => {
    const build = docker.filter((i) => i.stage === 0);
    const ci = build.findIndex((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(ci).toBeGreaterThan(0);
    const copied = build.slice(0, ci).filter((i) => i.op === 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    const root = JSON.parse(read('package.json')) as { workspaces: string[] };
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
    for (const ws of root.workspaces) {
      expect(copied, `${ws}/package.json`).toContain(`${ws}/package.json`);
      const pkg = JSON.parse(read(`${ws}/package.json`)) as { bin?: Record<string, string> | string };
      const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {});
      for (const bin of bins) {
        const path = join(ws, bin);
        expect(copied.some((c) => path === c || path.startsWith(`${c}/`)), `${path} is copied before npm ci`).toBe(true);
      }
    }
  });

  it('copies into the runtime stage only what the repository has or the build makes', () => {
    const built = new Set(['node_modules', 'web/dist']);
    const sources = final
      .filter((i) => i.op === 'COPY' && i.args.startsWith('--from=build'))
      .flatMap((i) => i.args.split(/\s+/).slice(1, -1))
      .map((p) => p.replace(/^\/app\//, ''));
    expect(sources).toEqual(expect.arrayContaining(['node_modules', 'web/dist', 'sync-server', 'relay', 'schema']));
    for (const p of sources) expect(built.has(p) || exists(p), p).toBe(true);
    // what the build stage needs is in the context .dockerignore leaves
    const rules = read('.dockerignore').split('\n');
    for (const p of [...sources.filter((s) => !built.has(s)), 'package-lock.json', 'web/index.html', 'web/src', 'client-core/bin/mekong-chat.mjs', 'sync-server/src/main.ts']) {
      expect(dockerIgnores(rules, p), `${p} reaches the build`).toBe(false);
    }
  });

  it('has a HEALTHCHECK on the liveness path, using nothing the slim image lacks', () => {
    const hc = last('HEALTHCHECK')!.args;
    const cmd = execForm(hc.slice(hc.indexOf('CMD')));
    expect(cmd[0]).toBe('node');
    expect(cmd.join(' ')).toContain('/healthz');
  });
});

describe('.dockerignore', () => {
  const rules = read('.dockerignore').split('\n');
  it('leaves out node_modules, local data, build output and secrets', () => {
    for (const p of ['node_modules', 'relay/node_modules', 'data', 'data/mekong.db', 'web/dist', 'deploy/.env', '.git']) {
      expect(dockerIgnores(rules, p), p).toBe(true);
    }
  });
  it('is read the way Docker reads it', () => {
    expect(dockerIgnores(['**/node_modules', '!keep/node_modules'], 'keep/node_modules/x')).toBe(false);
    expect(dockerIgnores(['*.log'], 'sub/a.log')).toBe(false);
    expect(dockerIgnores(['*.log'], 'a.log')).toBe(true);
  });
});

describe('compose stack', () => {
  it('has PostgreSQL, Redis, an S3 store with a bucket-creating init, 3 relays, 2 API replicas and a load balancer', () => {
    const s = compose.services;
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['postgres', 'redis', 'minio', 'minio-init', 'relay', 'api', 'lb']));
    expect(s.relay!.deploy?.replicas).toBe(3);
    expect(s.api!.deploy?.replicas).toBe(2);
    expect(s.postgres!.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(s['minio-init']!.command?.join('\n')).toMatch(/mc mb --ignore-existing "store\/\$\$S3_BUCKET"/);
    expect(s.lb!.image).toMatch(/^nginx:/);
    expect(s.lb!.volumes).toContain('./nginx.conf:/etc/nginx/nginx.conf:ro');
    for (const v of s.lb!.volumes ?? []) expect(exists(join('deploy', v.split(':')[0]!)), v).toBe(true);
  });

  it('runs each Mekong service as a real role of main.ts, the one it is named after', () => {
    const mekong = mekongServices();
    expect(mekong.map(([name]) => name).sort()).toEqual(['api', 'relay']);
    for (const [name, svc] of mekong) {
      expect(ROLES).toContain(roleOf(svc.command));
      expect(roleOf(svc.command)).toBe(name);
    }
  });

  it('sets only variables the server reads, and the same cluster settings on relays and API replicas', () => {
    const [[, relay], [, api]] = [mekongServices().find(([n]) => n === 'relay')!, mekongServices().find(([n]) => n === 'api')!];
    expect(api!.environment).toEqual(relay!.environment);
    const env = relay!.environment ?? {};
    expect(unknownEnv(Object.keys(env))).toEqual([]);
    for (const name of CLUSTER_ENV) expect(env[name], name).toBeTruthy();
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(env.S3_ENDPOINT).toBe('http://minio:9000');
    expect(env.PORT).toBe(String(PORT));
    expect(relay!.depends_on).toMatchObject({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      'minio-init': { condition: 'service_completed_successfully' },
    });
  });

  it('gives each Mekong process longer to stop than it drains', () => {
    for (const [name, svc] of mekongServices()) {
      const drain = Number(svc.environment?.MEKONG_DRAIN_TIMEOUT_MS ?? DEFAULT_DRAIN_MS);
      expect(durationMs(svc.stop_grace_period ?? '10s'), name).toBeGreaterThan(drain + SHUTDOWN_MARGIN_MS);
    }
  });

  it('asks deploy/.env for every setting it has no default for, and .env.example lists nothing unused', () => {
    const text = read('deploy/compose.yaml');
    const required = new Set([...text.matchAll(/\$\{([A-Z0-9_]+)(:?\?[^}]*)?\}/g)].map((m) => m[1]!));
    const all = new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    const example = new Set(
      read('deploy/.env.example')
        .split('\n')
        .map((l) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined),
    );
    expect([...required].filter((n) => !example.has(n))).toEqual([]);
    expect([...example].filter((n) => !all.has(n))).toEqual([]);
    expect(required).toContain('MEKONG_TOKEN_SECRET');
  });
});

describe('nginx load balancer', () => {
  const http = blocks(nginx, 'http')[0]!;
  const upstreams = new Map(blocks(http, 'upstream').map((u) => [u.args[0]!, u]));
  const server = blocks(http, 'server')[0]!;
  const location = (path: string) => blocks(server, 'location').find((l) => l.args.join(' ') === path);
  const upstreamOf = (loc: NginxBlock) => {
    const target = directive(loc, 'proxy_pass')[0]?.[1] ?? '';
    const u = upstreams.get(target.replace(/^http:\/\//, ''));
    if (!u) throw new Error(`proxy_pass ${target} names no upstream`);
    return u;
  };
  const servers = (u: NginxBlock) => directive(u, 'server').map((d) => d[1]!);
  const header = (loc: NginxBlock, name: string) => directive(loc, 'proxy_set_header').find((d) => d[1]?.toLowerCase() === name.toLowerCase())?.[2];

  it('sends /sync WebSocket upgrades to the relays with long timeouts and no stickiness', () => {
    const sync = location('= /sync');
    expect(sync).toBeDefined();
    const u = upstreamOf(sync!);
    expect(servers(u)).toEqual([`relay:${PORT}`]);
    for (const sticky of ['ip_hash', 'hash', 'sticky']) expect(directive(u, sticky), sticky).toEqual([]);
    expect(directive(sync!, 'proxy_http_version')[0]?.[1]).toBe('1.1');
    expect(header(sync!, 'Upgrade')).toBe('$http_upgrade');
    expect(header(sync!, 'Connection')).toBe('$connection_upgrade');
    const map = blocks(http, 'map').find((m) => m.args.join(' ') === '$http_upgrade $connection_upgrade');
    expect(map?.directives).toEqual(expect.arrayContaining([['default', 'upgrade'], ['', 'close']]));
    // relays ping every 30 s; the timeouts must comfortably exceed that
    for (const d of ['proxy_read_timeout', 'proxy_send_timeout']) expect(durationMs(directive(sync!, d)[0]![1]!), d).toBeGreaterThanOrEqual(300_000);
  });

  it('sends everything else to the API replicas and keeps /metrics off the public side', () => {
    const rest = location('/');
    expect(servers(upstreamOf(rest!))).toEqual([`api:${PORT}`]);
    expect(directive(location('= /metrics')!, 'return')[0]?.[1]).toBe('404');
  });

  it('names compose services as upstreams and fails over on dead or draining replicas', () => {
    expect(directive(http, 'resolver')[0]?.[1]).toBe('127.0.0.11'); // Docker's DNS, to follow scaling
    for (const u of upstreams.values()) {
      for (const d of directive(u, 'server')) {
        expect(Object.keys(compose.services)).toContain(d[1]!.split(':')[0]);
        expect(d).toEqual(expect.arrayContaining(['resolve', 'max_fails=2']));
      }
      expect(directive(u, 'zone')).toHaveLength(1); // `resolve` needs a shared zone
    }
    for (const loc of blocks(server, 'location').filter((l) => directive(l, 'proxy_pass').length)) {
      expect(directive(loc, 'proxy_next_upstream')[0]).toEqual(expect.arrayContaining(['error', 'timeout', 'http_503']));
      expect(directive(loc, 'proxy_next_upstream')[0]).not.toContain('non_idempotent');
      // proxy_set_header is not inherited once a location sets one: each must set them all
      expect(header(loc, 'Host'), loc.args.join(' ')).toBe('$host');
      expect(header(loc, 'X-Forwarded-For'), loc.args.join(' ')).toBe('$proxy_add_x_forwarded_for');
    }
  });

  it('lets the largest media upload through', () => {
    expect(sizeBytes(directive(server, 'client_max_body_size')[0]![1]!)).toBeGreaterThanOrEqual(MAX_MEDIA_BYTES);
  });

  it('is the port compose publishes and checks', () => {
    const listen = directive(server, 'listen')[0]![1]!;
    expect(compose.services.lb!.ports?.[0]).toMatch(new RegExp(`:${listen}$`));
    expect(compose.services.lb!.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${listen}/lb-healthz`);
    expect(location('= /lb-healthz')).toBeDefined();
  });
});

describe('the documentation', () => {
  it('explains every variable the kit sets', () => {
    const doc = read('deploy/README.md');
    const relayEnv = mekongServices()[0]![1].environment ?? {};
    for (const name of new Set([...Object.keys(relayEnv), ...Object.keys(k8sEnv())])) expect(doc, name).toContain(`\`${name}\``);
  });
});

describe('the example secrets cannot be run', () => {
  it('makes the server refuse the placeholder token secret of .env.example and secret.example.yaml', async () => {
    const fromEnv = /^MEKONG_TOKEN_SECRET=(.*)$/m.exec(read('deploy/.env.example'))?.[1];
    const placeholders = [fromEnv, secret().stringData?.MEKONG_TOKEN_SECRET];
    const dir = mkdtempSync(join(tmpdir(), 'mekong-deploy-'));
    try {
      for (const tokenSecret of placeholders) {
        expect(tokenSecret).toContain('CHANGE-ME');
        await expect(
          startMekong({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), logLevel: 'silent', passwordHash: FAST_HASH, tokenSecret: tokenSecret! }),
        ).rejects.toThrow(/MEKONG_TOKEN_SECRET/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

