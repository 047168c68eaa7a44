// The control channel between the capacity benchmark and its child processes (servers and load
// generators): messages over Node's IPC channel, and the memory report every server answers with.
import { readFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';

/** Memory of one process, in bytes. RSS and peak from /proc, the rest from process.memoryUsage(). */
export interface MemoryReport {
  rss: number;
  peakRss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Whether a full garbage collection ran just before (the process was started with --expose-gc). */
  collected: boolean;
}

/** What the parent asks a server process. */
export type ServerRequest = { type: 'memory'; id: number } | { type: 'heap-snapshot'; id: number; file: string };

/** What a server process tells the parent. */
export type ServerEvent =
  | { type: 'ready'; port: number }
  | { type: 'memory'; id: number; memory: MemoryReport }
  | { type: 'heap-snapshot'; id: number; file: string };

/** Reads VmRSS and VmHWM of `pid` (default: this process) from /proc, in bytes; 0 when unreadable. */
export function procMemory(pid: number | 'self' = 'self'): { rss: number; peakRss: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
  } catch {
    return { rss: 0, peakRss: 0 };
  }
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Collects garbage (when exposed) until the heap stops shrinking, then reports memory. */
export async function measureSelf(): Promise<MemoryReport> {
  if (gc) {
    let last = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 6; i++) {
      gc();
      // let finalizers, weak callbacks and freed native buffers go before measuring again
      await new Promise((r) => setTimeout(r, 50));
      const used = process.memoryUsage().heapUsed;
      if (used > last * 0.995) break;
      last = used;
    }
  }
  const m = process.memoryUsage();
  return { ...procMemory(), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, collected: gc !== undefined };
}

/**
 * Makes this server process answer the benchmark's requests and announces `port`. Exits when the
 * parent goes away, so a crashed benchmark leaves no server behind.
 */
export function serveControl(port: number, onStop: () => Promise<void>): void {
  const send = (e: ServerEvent) => process.send?.(e);
  process.on('message', (raw) => {
    const req = raw as ServerRequest;
    if (req.type === 'memory') void measureSelf().then((memory) => send({ type: 'memory', id: req.id, memory }));
    else if (req.type === 'heap-snapshot') send({ type: 'heap-snapshot', id: req.id, file: writeHeapSnapshot(req.file) });
  });
  const stop = () => {
    onStop().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('disconnect', stop);
  process.once('SIGTERM', stop);
  send({ type: 'ready', port });
}

/** Which server a load generator talks to, and so which client and protocol it uses. */
export type System = 'mekong' | 'ws' | 'socketio';

/** One identity for the load generator: a token and the conversation its connections follow. */
export interface Target {
  /** Names the identity across requests (the username). */
  id: string;
  token: string;
  conv: string;
  /** Mekong: the refresh token that gets a fresh access token when this one nears its expiry. */
  refresh?: string;
}

/** What the parent asks a load generator. */
export type LoadRequest =
  | {
      type: 'connect';
      system: System;
      /** ws://127.0.0.1:<port>/sync (Mekong, ws) or http://127.0.0.1:<port> (Socket.IO). */
      url: string;
      targets: Target[];
      /** Connections opened with each target's token. */
      perTarget: number;
      /** Source addresses, used in turn (127.0.0.2 ...), so no single address runs out of ports. */
      localAddresses: string[];
      /** Connections being set up at once. */
      concurrency: number;
      timeoutMs: number;
    }
  /**
   * Pings `sample` connections spread over all. With `fresh` (target id → access token), each sampled
   * Mekong connection first authenticates again on its open socket, as a client does before its
   * token expires (the relay refuses frames once the connection's token has expired).
   */
  | { type: 'ping'; sample: number; timeoutMs: number; fresh?: Record<string, string> }
  | { type: 'close' };

/** What a load generator tells the parent. */
export type LoadEvent =
  | { type: 'ready' }
  | { type: 'progress'; connected: number; failed: number }
  /** A connect request is done: `connected` by it, `open` in all. */
  | { type: 'connected'; connected: number; open: number; failed: number; ms: number; errors: Record<string, number> }
  | { type: 'pinged'; sample: number; answered: number; p50Ms: number; p99Ms: number; open: number }
  | { type: 'closed' };
