// Waiting in tests for something that happens asynchronously (a delivery, a reconnect).

/** Resolves once `check()` holds, polling every 5 ms; throws naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
