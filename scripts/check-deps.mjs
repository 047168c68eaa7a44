#!/usr/bin/env node
// Fails when an import breaks the dependency direction between packages or forms a cycle.
// Allowed: web → client-core → schema; sync-server → relay → schema; test → anything.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const ALLOWED = {
  schema: [],
  'client-core': ['schema'],
  relay: ['schema'],
  'sync-server': ['relay', 'schema'],
  web: ['client-core', 'schema'],
  test: ['schema', 'client-core', 'relay', 'sync-server', 'web'],
};
const PKGS = Object.keys(ALLOWED);
const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolveRelative(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return null;
}

const pkgOf = (file) => relative(root, file).split('/')[0];
const problems = [];
const graph = new Map();

for (const pkg of PKGS) {
  const dir = pkg === 'test' ? join(root, 'test') : join(root, pkg, pkg === 'web' ? 'src' : 'src');
  for (const file of walk(dir)) {
    const text = readFileSync(file, 'utf8');
    const edges = [];
    for (const m of text.matchAll(IMPORT)) {
      const typeOnly = Boolean(m[2]);
      const spec = m[3] ?? m[4];
      if (!spec) continue;
      const rel = relative(root, file);
      if (spec.startsWith('@mekong/')) {
        const target = spec.slice('@mekong/'.length).split('/')[0];
        if (target !== pkg && !ALLOWED[pkg].includes(target)) problems.push(`${rel}: ${pkg} must not import ${spec}`);
      } else if (spec.startsWith('.')) {
        const target = resolveRelative(file, spec);
        if (!target) continue;
        if (pkgOf(target) !== pkg) problems.push(`${rel}: relative import ${spec} reaches into ${pkgOf(target)}; import its package instead`);
        else if (!typeOnly) edges.push(target);
      }
    }
    graph.set(file, edges);
  }
}

// cycles among runtime imports (type-only imports vanish at run time and are fine)
const state = new Map();
const stack = [];
function visit(n) {
  state.set(n, 1);
  stack.push(n);
  for (const m of graph.get(n) ?? []) {
    if (!graph.has(m)) continue;
    if (state.get(m) === 1) {
      const cycle = stack.slice(stack.indexOf(m)).concat(m).map((f) => relative(root, f));
      problems.push(`import cycle: ${cycle.join(' → ')}`);
    } else if (!state.get(m)) visit(m);
  }
  stack.pop();
  state.set(n, 2);
}
for (const n of graph.keys()) if (!state.get(n)) visit(n);

if (problems.length) {
  console.error(`dependency check failed (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`dependency check: ${graph.size} files, direction and cycles OK`);
