// Readers for the deployment kit under deploy/: YAML (compose, Kubernetes), nginx.conf, the
// Dockerfile, and the environment variables the server code reads. Used by deploy.test.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Every document of a YAML file as plain values; throws on any parse error or warning. */
export function parseYamlFile(path: string): unknown[] {
  // merge keys (<<: *anchor) are part of the compose format
  const docs = parseAllDocuments(read(path), { merge: true });
  if (!Array.isArray(docs)) return [];
  return docs.map((doc) => {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length) throw new Error(`${path}: ${problems.map((p) => p.message).join('; ')}`);
    return doc.toJS();
  });
}

/** Files under `dir` (repository-relative), recursively. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const name of readdirSync(abs)) {
      const p = join(abs, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(ROOT, p));
    }
  };
  walk(join(ROOT, dir));
  return out.sort();
}

// ---- Kubernetes and compose shapes (only the fields the tests read)

export type Labels = Record<string, string>;

export interface Probe {
  httpGet?: { path: string; port: string | number };
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Labels } | Labels;
    template?: { metadata: { labels: Labels }; spec: { containers: Container[]; terminationGracePeriodSeconds?: number } };
    ports?: { name?: string; port: number; targetPort: string | number }[];
    scaleTargetRef?: { apiVersion: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas?: number;
    rules?: { http: { paths: { path: string; pathType: string; backend: { service: { name: string; port: { name?: string; number?: number } } } }[] } }[];
  };
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }> | string[];
  deploy?: { replicas?: number };
  stop_grace_period?: string;
  volumes?: string[];
  ports?: string[];
}

export interface Compose {
  services: Record<string, ComposeService>;
}

/** "30s", "1m30s", "500ms" in milliseconds. */
export function durationMs(text: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let consumed = '';
  for (const m of text.matchAll(re)) {
    consumed += m[0];
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  }
  if (consumed !== text) throw new Error(`not a duration: ${text}`);
  return total;
}

/** True when every label of `selector` is on `labels`. */
export const selects = (selector: Labels, labels: Labels): boolean =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

// ---- nginx.conf

export interface NginxBlock {
  name: string;
  args: string[];
  children: NginxBlock[];
  /** Directives of this block as [name, ...args]. */
  directives: string[][];
}

/** Parses nginx's configuration grammar (blocks, directives ending in `;`, quotes, comments). */
export function parseNginx(text: string): NginxBlock {
  const tokens: string[] = [];
  const re = /#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#]+)/g;
  for (const m of text.matchAll(re)) {
    if (m[0].startsWith('#')) continue;
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  }
  const root: NginxBlock = { name: 'main', args: [], children: [], directives: [] };
  const stack = [root];
  let words: string[] = [];
  for (const t of tokens) {
    const top = stack[stack.length - 1]!;
    if (t === '{') {
      const [name, ...args] = words;
      if (!name) throw new Error('nginx.conf: block without a name');
      const block: NginxBlock = { name, args, children: [], directives: [] };
      top.children.push(block);
      stack.push(block);
      words = [];
    } else if (t === '}') {
      if (words.length) throw new Error(`nginx.conf: missing ";" after "${words.join(' ')}"`);
      if (stack.length === 1) throw new Error('nginx.conf: unbalanced "}"');
      stack.pop();
    } else if (t === ';') {
      if (!words.length) throw new Error('nginx.conf: empty directive');
      top.directives.push(words);
      words = [];
    } else words.push(t);
  }
  if (stack.length !== 1) throw new Error('nginx.conf: unclosed block');
  if (words.length) throw new Error(`nginx.conf: missing ";" after "${words.join(' ')}"`);
  return root;
}

export const blocks = (b: NginxBlock, name: string): NginxBlock[] => b.children.filter((c) => c.name === name);
export const directive = (b: NginxBlock, name: string): string[][] => b.directives.filter((d) => d[0] === name);

// ---- Dockerfile

export interface DockerInstruction {
  op: string;
  args: string;
  /** Index of the build stage (0 = first FROM). */
  stage: number;
}

/** Instructions with line continuations joined and comments dropped. */
export function parseDockerfile(text: string): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\w+)\s+([\s\S]*)$/.exec(full);
    if (!m) throw new Error(`Dockerfile: cannot read "${full}"`);
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') stage++;
    out.push({ op, args: m[2]!, stage });
  }
  if (pending) throw new Error('Dockerfile: ends inside a continued line');
  return out;
}

/** The JSON (exec) form of CMD/ENTRYPOINT/HEALTHCHECK CMD; throws on the shell form. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not an exec form: ${args}`);
  return parsed;
}

// ---- .dockerignore

/** Whether `.dockerignore` leaves `path` out of the build context (last matching rule wins). */
export function dockerIgnores(rules: string[], path: string): boolean {
  const toRegex = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/^\/+|\/+$/g, '')
        .split('/')
        .map((seg) => (seg === '**' ? '(?:.*)' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?')}$`,
    );
  // a rule that matches a parent folder leaves out everything inside it
  const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const raw of rules) {
    const rule = raw.trim();
    if (!rule || rule.startsWith('#')) continue;
    const negate = rule.startsWith('!');
    const re = toRegex(negate ? rule.slice(1) : rule);
    if (prefixes.some((p) => re.test(p))) ignored = !negate;
  }
  return ignored;
}

// ---- what the server code reads from the environment

const SERVER_SOURCES = ['sync-server/src', 'relay/src'];
const TEST_ONLY = /(\.test\.ts$|pg-testing\.ts$|test-helpers\.ts$|\/test-support\/|\/testing\.ts$)/;

/**
 * Names of environment variables that the server code (sync-server and relay, tests excluded)
 * reads: `process.env.X`, `env.X`, `env['X']`, and, in a file that reads process.env, string
 * literals and object keys shaped like variable names (for a config table read in a loop).
 */
export function envVarsReadByServer(): Set<string> {
  const names = new Set<string>();
  for (const dir of SERVER_SOURCES) {
    for (const file of listFiles(dir)) {
      if (!/\.(ts|mjs)$/.test(file) || TEST_ONLY.test(file)) continue;
      const text = read(file);
      for (const m of text.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(m[1]!);
      for (const m of text.matchAll(/\benv\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g)) names.add(m[1]!);
      if (text.includes('process.env')) {
        for (const m of text.matchAll(/['"`]([A-Z][A-Z0-9]*_[A-Z0-9_]+)['"`]/g)) names.add(m[1]!);
        for (const m of text.matchAll(/^\s*([A-Z][A-Z0-9]*_[A-Z0-9_]+)\s*:/gm)) names.add(m[1]!);
      }
    }
  }
  return names;
}

/** The roles main.ts accepts, read from its `Role` type. */
export function serverRoles(): string[] {
  const m = /export type Role\s*=\s*([^;]+);/.exec(read('sync-server/src/main.ts'));
  if (!m) throw new Error('sync-server/src/main.ts no longer declares `export type Role`');
  return [...m[1]!.matchAll(/'([a-z-]+)'/g)].map((r) => r[1]!);
}

/** The default of PORT in main.ts. */
export function defaultPort(): number {
  const m = /process\.env\.PORT\s*\?\?\s*(\d+)/.exec(read('sync-server/src/main.ts'));
  if (!m) throw new Error('sync-server/src/main.ts no longer reads PORT with a default');
  return Number(m[1]);
}

/** How long after the drain time main.ts ends the process at the latest. */
export function shutdownMarginMs(): number {
  const m = /drainTimeoutMs\s*\+\s*(\d+)/.exec(read('sync-server/src/main.ts'));
  if (!m) throw new Error('sync-server/src/main.ts no longer bounds its shutdown at drainTimeoutMs + a margin');
  return Number(m[1]);
}

/** nginx-style sizes ("101m", "512k", "1g", "4096") in bytes. */
export function sizeBytes(text: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(text);
  if (!m) throw new Error(`not a size: ${text}`);
  return Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
}

/** The role named after `--role` in an argument list. */
export function roleOf(args: string[] | undefined): string | undefined {
  const i = args?.indexOf('--role') ?? -1;
  return i >= 0 ? args?.[i + 1] : undefined;
}

export const exists = (path: string): boolean => existsSync(join(ROOT, path));
