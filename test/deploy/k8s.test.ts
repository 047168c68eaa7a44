// The Kubernetes manifests (deploy/k8s): complete, namespace-agnostic objects whose selectors,
// Services, autoscaler, disruption budgets and Ingress point at the right pods and ports, run real
// roles, probe real paths, and feed the pods only variables the server reads.
import { MAX_MEDIA_BYTES } from '@mekong/schema';
import { describe, expect, it } from 'vitest';
import {
  CLUSTER_ENV,
  configMap,
  containerOf,
  DEFAULT_DRAIN_MS,
  k8s,
  k8sEnv,
  k8sFiles,
  matchLabels,
  objects,
  one,
  PORT,
  podLabels,
  ROLES,
  SHUTDOWN_MARGIN_MS,
  SECRET_ENV,
  secret,
  unknownEnv,
} from './kit';
import { type Labels, roleOf, selects, sizeBytes } from './manifests';

describe('Kubernetes manifests', () => {
  const relay = () => one('Deployment', 'mekong-relay');
  const api = () => one('Deployment', 'mekong-api');
  const deployments = () => objects('Deployment');

  it('lists every manifest in the kustomization except the example Secret, and pins no namespace', () => {
    const kustomization = objects('Kustomization')[0] as unknown as { resources: string[]; images: { name: string }[] };
    const listed = kustomization.resources.map((r) => `deploy/k8s/${r}`).sort();
    expect(listed).toEqual(k8sFiles.filter((f) => !f.endsWith('kustomization.yaml') && !f.endsWith('secret.example.yaml')));
    for (const { obj } of k8s) expect(obj.metadata?.namespace, `${obj.kind} ${obj.metadata?.name}`).toBeUndefined();
    for (const d of deployments()) expect(kustomization.images.map((i) => i.name)).toContain(containerOf(d).image);
  });

  it('runs 3 relays and 2 API replicas, each a real role of main.ts', () => {
    expect(relay().spec?.replicas).toBe(3);
    expect(api().spec?.replicas).toBe(2);
    expect(roleOf(containerOf(relay()).args)).toBe('relay');
    expect(roleOf(containerOf(api()).args)).toBe('api');
    for (const d of deployments()) {
      expect(ROLES).toContain(roleOf(containerOf(d).args));
      expect(containerOf(d).command, 'args only: the image keeps its entrypoint').toBeUndefined();
    }
  });

  it('selects its own pods: Deployments, Services and disruption budgets', () => {
    for (const d of deployments()) expect(selects(matchLabels(d), podLabels(d)), d.metadata.name).toBe(true);
    const pick = (selector: Labels) => deployments().filter((d) => selects(selector, podLabels(d))).map((d) => d.metadata.name);
    expect(pick(one('Service', 'mekong-relay').spec!.selector as Labels)).toEqual(['mekong-relay']);
    expect(pick(one('Service', 'mekong-api').spec!.selector as Labels)).toEqual(['mekong-api']);
    const pdbs = objects('PodDisruptionBudget');
    expect(pdbs.every((p) => p.apiVersion === 'policy/v1')).toBe(true);
    expect(pdbs.map((p) => pick(matchLabels(p))).sort()).toEqual([['mekong-api'], ['mekong-relay']]);
  });

  it('points Service target ports at the container port the server listens on', () => {
    expect(configMap().data?.PORT).toBe(String(PORT));
    for (const svc of objects('Service')) {
      const d = deployments().find((x) => selects(svc.spec!.selector as Labels, podLabels(x)))!;
      const ports = containerOf(d).ports ?? [];
      for (const p of svc.spec!.ports ?? []) {
        const target = ports.find((c) => c.name === p.targetPort || c.containerPort === p.targetPort);
        expect(target?.containerPort, `${svc.metadata.name} → ${p.targetPort}`).toBe(PORT);
      }
    }
  });

  it('autoscales the relay Deployment by name with autoscaling/v2', () => {
    const hpas = objects('HorizontalPodAutoscaler');
    expect(hpas).toHaveLength(1);
    const hpa = hpas[0]!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: relay().metadata.name });
    expect(hpa.spec?.minReplicas).toBe(relay().spec?.replicas);
    expect(hpa.spec!.maxReplicas!).toBeGreaterThan(hpa.spec!.minReplicas!);
  });

  it('probes liveness on /healthz and readiness on /readyz, on the named container port', () => {
    for (const d of deployments()) {
      const c = containerOf(d);
      expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(c.startupProbe?.httpGet?.path).toBe('/healthz');
      for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
        const port = probe?.httpGet?.port;
        expect(c.ports?.find((p) => p.name === port || p.containerPort === port)?.containerPort).toBe(PORT);
      }
    }
  });

  it('requests and limits CPU and memory', () => {
    for (const d of deployments()) {
      const r = containerOf(d).resources;
      for (const kind of ['requests', 'limits'] as const) {
        expect(Object.keys(r?.[kind] ?? {}).sort(), `${d.metadata.name} ${kind}`).toEqual(['cpu', 'memory']);
      }
    }
  });

  it('gives each pod longer to stop than its preStop pause plus the drain', () => {
    const drain = Number(configMap().data?.MEKONG_DRAIN_TIMEOUT_MS ?? DEFAULT_DRAIN_MS);
    for (const d of deployments()) {
      const preStop = containerOf(d).lifecycle?.preStop?.exec?.command ?? [];
      const pause = preStop[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
      expect(d.spec!.template!.spec.terminationGracePeriodSeconds! * 1000, d.metadata.name).toBeGreaterThan(pause + drain + SHUTDOWN_MARGIN_MS);
    }
  });

  it('feeds the pods only variables the server reads, including every cluster setting', () => {
    for (const d of deployments()) {
      const from = containerOf(d).envFrom ?? [];
      expect(from.map((f) => f.configMapRef?.name ?? f.secretRef?.name).sort()).toEqual(['mekong-config', 'mekong-secrets']);
      expect(containerOf(d).env).toBeUndefined();
    }
    const env = k8sEnv();
    expect(unknownEnv(Object.keys(env))).toEqual([]);
    for (const name of CLUSTER_ENV) expect(env[name], name).toBeTruthy();
    for (const name of SECRET_ENV) {
      expect(Object.keys(secret().stringData ?? {}), name).toContain(name);
      expect(Object.keys(configMap().data ?? {}), name).not.toContain(name);
    }
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\//);
    expect(env.REDIS_URL).toMatch(/^redis:\/\//);
  });

  it('routes /sync to the relay Service and the rest to the API Service', () => {
    const ing = one('Ingress', 'mekong');
    const paths = ing.spec!.rules!.flatMap((r) => r.http.paths);
    const route = (p: string) => paths.find((x) => x.path === p);
    expect(route('/sync')).toMatchObject({ pathType: 'Exact', backend: { service: { name: 'mekong-relay' } } });
    expect(route('/')).toMatchObject({ pathType: 'Prefix', backend: { service: { name: 'mekong-api' } } });
    const annotations = (ing.metadata as { annotations?: Record<string, string> }).annotations ?? {};
    expect(sizeBytes(annotations['nginx.ingress.kubernetes.io/proxy-body-size'] ?? '1m')).toBeGreaterThanOrEqual(MAX_MEDIA_BYTES);
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(300);
    for (const p of paths) {
      const svc = one('Service', p.backend.service.name);
      expect(svc.spec!.ports!.map((x) => x.name)).toContain(p.backend.service.port.name);
    }
  });
});

