// Redis connections of the relay's adapters (fan-out bus, revocations, presence): how they connect and
// reconnect, one warning per outage instead of one per attempt, re-confirming subscriptions after a
// reconnect, bounded waits, and a close that lets queued commands go out first.
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { describeError } from './text';

/** Default wait before reconnect attempt `n` (from 1): 50 ms more per attempt, at most 2 s. */
export const defaultRetryDelay = (attempt: number): number => Math.min(attempt * 50, 2000);

/** A short random id that tells the connections of one adapter from another's in CLIENT LIST. */
export const connectionId = (): string => randomBytes(4).toString('hex');

export interface RedisConnectorOptions {
  url: string;
  logger: Logger;
  /** Names the adapter in log lines, e.g. 'fan-out'. */
  what: string;
  /** Wait before reconnect attempt `n` (from 1); default {@link defaultRetryDelay}. */
  retryDelayMs?: ((attempt: number) => number) | undefined;
}

export interface RedisConnector {
  /**
   * A connection named `name` (CLIENT SETNAME). By default commands wait through reconnects without
   * limit (the caller bounds its waits with {@link within}); `extra` overrides any of that. `role`
   * ('publisher', 'subscriber') is added to the outage warning.
   */
  open(name: string, role?: string, extra?: RedisOptions): Redis;
}

/**
 * Opens the connections of one adapter; they share one outage: a single warning when the first of
 * them fails, and none again until one of them is ready.
 * @example
 * const connect = createRedisConnector({ url, logger, what: 'fan-out' });
 * const pub = connect.open('mekong-fanout-pub-1a2b', 'publisher');
 */
export function createRedisConnector(options: RedisConnectorOptions): RedisConnector {
  const retryStrategy = (attempt: number) => options.retryDelayMs?.(attempt) ?? defaultRetryDelay(attempt);
  let outage = false;
  return {
    open(name, role, extra = {}) {
      const redis = new Redis(options.url, { connectionName: name, maxRetriesPerRequest: null, retryStrategy, ...extra });
      redis.on('error', (err: Error) => {
        if (!outage) options.logger.warn({ err: describeError(err), ...(role ? { connection: role } : {}) }, `${options.what} Redis connection failed; retrying`);
        outage = true;
      });
      redis.on('ready', () => {
        outage = false;
      });
      return redis;
    },
  };
}

export interface ResubscribeOptions {
  logger: Logger;
  /** True once the adapter is closed: nothing is re-confirmed then. */
  isClosed(): boolean;
  /** Subscribes again to everything wanted; resolves once Redis confirmed all of it. */
  resubscribe(): Promise<unknown>;
  /** Called once the subscriptions are confirmed live again after a drop; what came meanwhile is unknown. */
  onLive(): void;
  /** Logged when live again, e.g. 'fan-out subscriber is live again'. */
  liveMessage: string;
  /** Extra fields for that line. */
  liveFields?: () => Record<string, unknown>;
}

export interface Resubscriber {
  /** The connection dropped (or a subscription failed) and is not yet confirmed live again. */
  readonly lost: boolean;
  /** Treat the subscriptions as lost: the next 'ready' re-confirms them and calls onLive. */
  markLost(): void;
}

/**
 * Watches a subscriber connection. ioredis resubscribes by itself after a reconnect, but without
 * telling when that is done; asking again and awaiting the answers proves every channel is live
 * before the caller repairs what it missed, so nothing falls between that repair and live delivery.
 */
export function resubscribeOnReconnect(redis: Redis, options: ResubscribeOptions): Resubscriber {
  let lost = false;
  redis.on('close', () => {
    lost = true;
  });
  redis.on('ready', () => {
    if (!lost || options.isClosed()) return;
    options.resubscribe().then(
      () => {
        if (options.isClosed() || redis.status !== 'ready') return; // dropped again: the next 'ready' reports it
        lost = false;
        options.logger.info(options.liveFields?.() ?? {}, options.liveMessage);
        options.onLive();
      },
      (err) => options.logger.warn({ err: describeError(err) }, 'resubscribing after a reconnect failed; waiting for the next one'),
    );
  });
  return {
    get lost() {
      return lost;
    },
    markLost() {
      lost = true;
    },
  };
}

/** Ends a connection: QUIT when it is up, so commands already queued go out first; otherwise it is simply dropped. */
export async function endRedis(redis: Redis | undefined): Promise<void> {
  if (!redis) return;
  if (redis.status === 'ready') await redis.quit().then(() => undefined, () => redis.disconnect());
  else redis.disconnect();
}

/** `promise`, or the error from `fail` once `ms` passed. */
export function within<T>(promise: Promise<T>, ms: number, fail: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(fail()), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
