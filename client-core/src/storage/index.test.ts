// Guards the browser-safe door: nothing reachable from storage/index.ts may load a native or Node-only module.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as storage from './index';

const here = dirname(fileURLToPath(import.meta.url));

/** Every module specifier reachable from `entry` through relative imports within this folder. */
function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(join(here, file), 'utf8');
    for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/g)) {
      const spec = match[1] as string;
      if (spec.startsWith('./')) visit(`${spec.slice(2)}.ts`);
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('storage public door', () => {
  it('exports the browser-safe adapters and not the SQLite one', () => {
    expect(typeof storage.createMemoryStorage).toBe('function');
    expect(typeof storage.createIndexedDbStorage).toBe('function');
    expect(Object.keys(storage)).not.toContain('createSqliteStorage');
  });

  it('reaches no native, Node-only or test-only module', () => {
    const { files, packages } = reachable('index.ts');
    expect(files.has('sqlite.ts')).toBe(false);
    expect(files.has('contract.ts')).toBe(false);
    expect(files.has('indexeddb.ts')).toBe(true); // the walk does follow the adapters
    expect([...packages]).toEqual(['@mekong/schema']);
  });
});
