// Prometheus metrics of one Mekong process: a registry of its own (default process metrics, HTTP
// requests, the password-hashing queue, and the relay's metrics when it runs one) and GET /metrics.
import type { Handler, MiddlewareHandler } from 'hono';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { metricsEndpoint } from './endpoint';
import { httpMetrics } from './http';

export { metricsEndpoint } from './endpoint';
export { httpMetrics } from './http';

export interface ProcessMetricsOptions {
  /** When set, GET /metrics answers 401 unless the request carries `Authorization: Bearer <token>`. */
  token?: string;
}

export interface ProcessMetrics {
  /** This process's registry: pass it to `new RelayMetrics(registry)` for the relay's metrics. */
  readonly registry: Registry;
  /** Counts requests; register before the routes. */
  readonly http: MiddlewareHandler;
  /** Serves GET /metrics. */
  readonly endpoint: Handler;
  /** Reports `source.pending` (password hashes waiting for a worker) and `source.threads` (its worker threads) at scrape time. */
  watchHasher(source: { readonly pending: number; readonly threads?: number }): void;
}

/** How often the event-loop lag histogram takes a sample. */
export const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * A registry per process (never prom-client's global one, so tests can run several in one process).
 * @example
 * const metrics = createProcessMetrics({ token: process.env.MEKONG_METRICS_TOKEN });
 * app.use('*', metrics.http);
 * app.get('/metrics', metrics.endpoint);
 */
export function createProcessMetrics(options: ProcessMetricsOptions = {}): ProcessMetrics {
  const registry = new Registry();
  // the event-loop lag histogram samples on a timer of its own; at prom-client's 10 ms that timer
  // woke an idle relay 100 times a second (about 1% of a core). 10 samples a second still catch
  // every stall longer than 100 ms and any lateness of the samples taken.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  let hasher: { readonly pending: number; readonly threads?: number } | undefined;
  new Gauge({
    name: 'mekong_password_hash_queue',
    help: 'Password hashes (Argon2id) handed to the worker threads and not yet answered.',
    registers: [registry],
    collect() {
      this.set(hasher?.pending ?? 0);
    },
  });
  new Gauge({
    name: 'mekong_password_hash_threads',
    help: 'Worker threads hashing passwords (Argon2id); 0 until the first sign-in or registration, and always on a relay-only process.',
    registers: [registry],
    collect() {
      this.set(hasher?.threads ?? 0);
    },
  });
  return {
    registry,
    http: httpMetrics(registry),
    endpoint: metricsEndpoint(registry, options.token),
    watchHasher(source) {
      hasher = source;
    },
  };
}
