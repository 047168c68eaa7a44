// The deployment kit as loaded by the tests: compose, Kubernetes objects, nginx.conf and the
// Dockerfile, with the facts about the server they are checked against.
import {
  type Compose,
  type ComposeService,
  type Container,
  defaultPort,
  envVarsReadByServer,
  type K8sObject,
  type Labels,
  listFiles,
  parseDockerfile,
  parseNginx,
  parseYamlFile,
  read,
  serverRoles,
  shutdownMarginMs,
} from './manifests';

// Set by the image or read by libraries rather than by Mekong's own code.
export const WELL_KNOWN_ENV = new Set(['NODE_ENV']);
/**
 * Without these a replica silently falls back to a local SQLite file, in-process fan-out, its own
 * token secret or media on its own disk.
 */
export const CLUSTER_ENV = ['DATABASE_URL', 'REDIS_URL', 'MEKONG_TOKEN_SECRET', 'S3_BUCKET'];
/** Credentials: they belong in a Secret, never in a ConfigMap. */
export const SECRET_ENV = ['DATABASE_URL', 'REDIS_URL', 'MEKONG_TOKEN_SECRET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'];
export const DEFAULT_DRAIN_MS = 10_000;
/** main.ts ends the process at the latest this long after the drain time, whatever is still open. */
export const SHUTDOWN_MARGIN_MS = shutdownMarginMs();

export const PORT = defaultPort();
export const ROLES = serverRoles();
const readByServer = envVarsReadByServer();
/** The names among `names` that neither the server code nor a library reads. */
export const unknownEnv = (names: Iterable<string>): string[] =>
  [...names].filter((n) => !readByServer.has(n) && !WELL_KNOWN_ENV.has(n));

export const compose = parseYamlFile('deploy/compose.yaml')[0] as Compose;
export const k8sFiles = listFiles('deploy/k8s').filter((f) => f.endsWith('.yaml'));
export const k8s = k8sFiles.flatMap((f) => parseYamlFile(f).map((o) => ({ file: f, obj: o as K8sObject })));
export const objects = (kind: string): K8sObject[] => k8s.filter((o) => o.obj.kind === kind).map((o) => o.obj);
/** The one object of `kind` named `name`; throws when there is none or more than one. */
export const one = (kind: string, name: string): K8sObject => {
  const found = objects(kind).filter((o) => o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0]!;
};
export const nginx = parseNginx(read('deploy/nginx.conf'));
export const docker = parseDockerfile(read('deploy/Dockerfile'));

export const matchLabels = (o: K8sObject): Labels => (o.spec?.selector as { matchLabels?: Labels } | undefined)?.matchLabels ?? {};
export const podLabels = (o: K8sObject): Labels => o.spec?.template?.metadata.labels ?? {};
/** The single container of a Deployment; throws when it has several. */
export const containerOf = (o: K8sObject): Container => {
  const cs = o.spec?.template?.spec.containers ?? [];
  if (cs.length !== 1) throw new Error(`${o.metadata.name} runs ${cs.length} containers, expected one`);
  return cs[0]!;
};
/** The compose services built from deploy/Dockerfile: the Mekong processes. */
export const mekongServices = (): [string, ComposeService][] =>
  Object.entries(compose.services).filter(([, s]) => s.build?.dockerfile === 'deploy/Dockerfile');
export const configMap = (): K8sObject => one('ConfigMap', 'mekong-config');
export const secret = (): K8sObject => one('Secret', 'mekong-secrets');
/** Every variable the ConfigMap and the example Secret give the pods. */
export const k8sEnv = (): Record<string, string> => ({ ...configMap().data, ...secret().stringData, ...secret().data });
