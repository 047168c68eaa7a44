// Serves the built web app: files under `root`, and index.html for any other GET (client-side routes).
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Context } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function staticSite(rootDir: string) {
  const root = resolve(rootDir);
  return async (c: Context): Promise<Response> => {
    const url = new URL(c.req.url);
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return c.text('Bad path', 400);
    }
    const path = normalize(join(root, rel));
    if (path !== root && !path.startsWith(root + sep)) return c.text('Not found', 404);
    const file = await fileOrUndefined(path);
    const target = file ?? (extname(rel) ? undefined : join(root, 'index.html'));
    if (!target) return c.text('Not found', 404);
    let body: Buffer;
    try {
      body = await readFile(target);
    } catch {
      // an API-only deployment (or a checkout without `npm run build:web`): nothing to serve here
      return c.json({ error: { code: 'NOT_FOUND', message: 'The web app is not built on this server: run `npm run build:web`.' } }, 404);
    }
    const type = TYPES[extname(target)] ?? 'application/octet-stream';
    // hashed assets never change; everything else must be revalidated so updates reach users
    const cache = rel.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return new Response(new Uint8Array(body), { headers: { 'content-type': type, 'cache-control': cache } });
  };
}

async function fileOrUndefined(path: string): Promise<string | undefined> {
  try {
    return (await stat(path)).isFile() ? path : undefined;
  } catch {
    return undefined;
  }
}
