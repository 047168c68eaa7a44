// Registers the offline shell worker (public/sw.js) and tells it which build files this page loaded.

/** Asks the worker to keep every /assets/ file this page has loaded, including ones index.html does not name. */
function reportLoadedAssets(worker: ServiceWorker): void {
  const urls = performance
    .getEntriesByType('resource')
    .map((entry) => entry.name)
    .filter((name) => {
      const url = new URL(name);
      return url.origin === location.origin && url.pathname.startsWith('/assets/');
    });
  worker.postMessage({ type: 'cache-assets', urls });
}

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker
      .register('/sw.js')
      .then(() => navigator.serviceWorker.ready)
      .then((registration) => {
        if (registration.active) reportLoadedAssets(registration.active);
      })
      .catch(() => {
        // without the worker the app still runs online; an offline reload just won't find the shell
      });
  });
}
