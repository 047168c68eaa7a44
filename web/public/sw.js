// Offline shell of the Mekong web app. Keeps index.html and the built assets so that a reload without
// network still opens the app, whose data then comes from IndexedDB. Never touches /api or /sync:
// those carry live, per-user traffic that must not be served from a cache.
const CACHE = 'mekong-shell-v1';
const SHELL_PAGE = '/';
const STATIC_FILES = ['/manifest.webmanifest', '/icon.svg', '/icon-maskable.svg'];
/** A navigation waits this long for the network before the cached page is shown. */
const NAVIGATION_TIMEOUT_MS = 4000;

function isAsset(url) {
  return url.origin === self.location.origin && url.pathname.startsWith('/assets/');
}

function isNeverCached(url) {
  return url.pathname === '/api' || url.pathname.startsWith('/api/') || url.pathname.startsWith('/sync');
}

/** The hashed build files a page links to (entry script, preloaded chunks, stylesheets). */
function assetsOf(html) {
  const urls = new Set();
  for (const match of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) urls.add(match[1]);
  return [...urls];
}

/** Stores a fresh index.html and everything it links to, and drops assets of older builds. */
async function storeShell(cache, response) {
  const html = await response.clone().text();
  const wanted = assetsOf(html);
  await cache.put(SHELL_PAGE, response);
  await cache.addAll(wanted);
  const keep = new Set(wanted.map((u) => new URL(u, self.location.origin).href));
  for (const request of await cache.keys()) {
    if (isAsset(new URL(request.url)) && !keep.has(request.url)) await cache.delete(request);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const response = await fetch(SHELL_PAGE, { cache: 'no-cache' });
      if (!response.ok) throw new Error(`shell page answered ${response.status}`);
      await storeShell(cache, response);
      await cache.addAll(STATIC_FILES);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

// The page reports the build files it actually loaded, including any not named in index.html.
self.addEventListener('message', (event) => {
  const data = event.data;
  if (data?.type !== 'cache-assets' || !Array.isArray(data.urls)) return;
  const urls = data.urls.filter((u) => typeof u === 'string' && isAsset(new URL(u, self.location.origin)));
  event.waitUntil(
    caches.open(CACHE).then(async (cache) => {
      for (const url of urls) if (!(await cache.match(url))) await cache.add(url).catch(() => {});
    }),
  );
});

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms));
}

/** Network first so a new build shows at once; the cached page when offline or too slow. */
async function navigate(event) {
  const cache = await caches.open(CACHE);
  const fromNetwork = fetch(event.request);
  try {
    const response = await Promise.race([fromNetwork, timeout(NAVIGATION_TIMEOUT_MS)]);
    const url = new URL(event.request.url);
    if (response.ok && (url.pathname === '/' || url.pathname === '/index.html')) {
      event.waitUntil(storeShell(cache, response.clone()).catch(() => {}));
    }
    return response;
  } catch {
    const cached = await cache.match(SHELL_PAGE);
    return cached ?? fromNetwork; // nothing cached yet: let the browser show its own error
  }
}

/** Build files are content-hashed, so a cached copy is always the right one. */
async function cacheFirst(event) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(event.request);
  if (cached) return cached;
  const response = await fetch(event.request);
  if (response.ok) event.waitUntil(cache.put(event.request, response.clone()));
  return response;
}

/** Small unhashed files (manifest, icons): fresh when online, cached when not. */
async function networkFirst(event) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(event.request);
    if (response.ok) event.waitUntil(cache.put(event.request, response.clone()));
    return response;
  } catch (err) {
    const cached = await cache.match(event.request);
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || isNeverCached(url)) return;
  if (request.mode === 'navigate') event.respondWith(navigate(event));
  else if (isAsset(url)) event.respondWith(cacheFirst(event));
  else if (STATIC_FILES.includes(url.pathname)) event.respondWith(networkFirst(event));
});
