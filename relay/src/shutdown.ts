// Graceful drain of a relay: every connection finishes the frame it is handling, then its socket is
// closed with 1012 so the client reconnects at once, to another relay behind the load balancer.

/**
 * WebSocket close code 1012, "service restart" (IANA registry): the relay is going away on purpose
 * and the client should reconnect right away. Standard, so clients that know no Mekong code still
 * treat it as a reason to reconnect rather than to give up.
 */
export const SERVICE_RESTART = 1012 as const;

/** How long stop() waits for the frames in progress before closing the remaining sockets anyway. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/** A connection as the drain sees it. */
export interface Drainable {
  /** Takes no new frame, finishes the one in progress, then closes with SERVICE_RESTART. */
  drain(reason: string): Promise<void>;
  /** Closes at once; a frame still in progress loses its answer (the client resends it elsewhere). */
  close(code: typeof SERVICE_RESTART, reason: string): void;
}

/**
 * Drains every connection in parallel; after `timeoutMs` the stragglers are closed without waiting.
 * Resolves with the number of connections that had to be cut.
 */
export async function drainConnections(connections: Drainable[], timeoutMs: number, reason: string): Promise<number> {
  const pending = new Set(connections);
  const all = Promise.all(connections.map((c) => c.drain(reason).finally(() => pending.delete(c))));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([all, timeout]);
  clearTimeout(timer);
  const cut = [...pending];
  for (const c of cut) c.close(SERVICE_RESTART, reason);
  return cut.length;
}
