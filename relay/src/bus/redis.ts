// Redis FanoutBus: relay processes share conversations through pub/sub, one channel per conversation.
// Pub/sub is at-most-once; this adapter says when it may have lost something (onGap) and the hub
// repairs that from the log.
import { randomBytes } from 'node:crypto';
import { ErrorCode, MekongError } from '@mekong/schema';
import { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import type { BusMessage, BusSubscription, FanoutBus } from '../ports';
import { describeError } from '../text';
import { decodeBusMessage, encodeBusMessage } from './redis-codec';

export interface RedisBusOptions {
  /** For example redis://127.0.0.1:6379. */
  url: string;
  /** Channel name prefix; buses with the same prefix on the same Redis reach each other. Default 'mekong:fanout:'. */
  prefix?: string;
  logger?: Logger;
  /** How long a subscription waits for Redis to confirm it before `ready` rejects. Default 5000. */
  subscribeTimeoutMs?: number;
  /** How long publish() waits for Redis to answer. Default 2000. */
  publishTimeoutMs?: number;
  /** Publishes kept while Redis is unreachable, sent once it is back; beyond this they fail at once. Default 10000. */
  maxQueuedPublishes?: number;
  /** Wait before reconnect attempt `n` (from 1). Default min(50·n, 2000) ms. */
  retryDelayMs?: (attempt: number) => number;
}

export interface RedisBus extends FanoutBus {
  /** CLIENT SETNAME of the two connections, to find them in CLIENT LIST. */
  readonly connectionNames: { publisher: string; subscriber: string };
}

interface Channel {
  conv: string;
  handlers: Set<(msg: BusMessage) => void>;
  /** Resolves when Redis confirmed the SUBSCRIBE. */
  confirmed: Promise<void>;
}

/** Channels re-confirmed per SUBSCRIBE after a reconnect. */
const RESUBSCRIBE_BATCH = 500;

export function createRedisBus(options: RedisBusOptions): RedisBus {
  const prefix = options.prefix ?? 'mekong:fanout:';
  const logger = options.logger ?? pino({ name: 'mekong-fanout' });
  const subscribeTimeoutMs = options.subscribeTimeoutMs ?? 5000;
  const publishTimeoutMs = options.publishTimeoutMs ?? 2000;
  const maxQueued = options.maxQueuedPublishes ?? 10_000;
  const id = randomBytes(4).toString('hex');
  const names = { publisher: `mekong-fanout-pub-${id}`, subscriber: `mekong-fanout-sub-${id}` };
  // no retry limit: commands wait through reconnects, and the timeouts above bound what callers see
  const retryStrategy = (attempt: number) => options.retryDelayMs?.(attempt) ?? Math.min(attempt * 50, 2000);
  const pub = new Redis(options.url, { connectionName: names.publisher, maxRetriesPerRequest: null, retryStrategy, enableAutoPipelining: true });
  const sub = new Redis(options.url, { connectionName: names.subscriber, maxRetriesPerRequest: null, retryStrategy });
  const channels = new Map<string, Channel>();
  const gapListeners = new Set<(conv?: string) => void>();
  let queued = 0;
  let closed = false;
  let subLost = false; // the subscriber connection dropped and has not been confirmed live again
  let outage = false; // one warning per outage, not one per reconnect attempt

  const unavailable = (what: string) => new MekongError(ErrorCode.UNAVAILABLE, `${what}; try again shortly`);

  const emitGap = (conv?: string) => {
    for (const listener of [...gapListeners]) {
      try {
        listener(conv);
      } catch (err) {
        logger.error({ err: describeError(err) }, 'fan-out gap listener failed');
      }
    }
  };
  // a loss while the subscriber is down is covered by the gap reported when it is back
  const lostOne = (conv: string) => {
    if (!subLost && sub.status === 'ready') emitGap(conv);
  };

  const onError = (which: string) => (err: Error) => {
    if (!outage) logger.warn({ err: describeError(err), connection: which }, 'fan-out Redis connection failed; retrying');
    outage = true;
  };
  pub.on('error', onError('publisher'));
  sub.on('error', onError('subscriber'));
  sub.on('close', () => {
    subLost = true;
  });
  sub.on('ready', () => {
    outage = false;
    if (!subLost || closed) return;
    // ioredis resubscribes by itself; asking again and awaiting the answers proves every channel is
    // live before subscribers re-read the log, so nothing falls between that read and live delivery
    const wanted = [...channels.keys()];
    const batches: Promise<unknown>[] = [];
    for (let i = 0; i < wanted.length; i += RESUBSCRIBE_BATCH) batches.push(sub.subscribe(...wanted.slice(i, i + RESUBSCRIBE_BATCH)));
    Promise.all(batches).then(
      () => {
        if (closed || sub.status !== 'ready') return; // dropped again: the next 'ready' reports the gap
        subLost = false;
        logger.info({ channels: wanted.length }, 'fan-out subscriber is live again');
        emitGap();
      },
      (err) => logger.warn({ err: describeError(err) }, 'resubscribing after a reconnect failed; waiting for the next one'),
    );
  });

  sub.on('messageBuffer', (name: Buffer, payload: Buffer) => {
    const channel = channels.get(name.toString());
    if (!channel) return;
    let msg: BusMessage;
    try {
      msg = decodeBusMessage(payload);
    } catch (err) {
      logger.warn({ err: describeError(err), bytes: payload.byteLength }, 'dropped an undecodable fan-out message');
      emitGap(channel.conv);
      return;
    }
    for (const handler of [...channel.handlers]) {
      try {
        handler(msg);
      } catch (err) {
        logger.error({ err: describeError(err) }, 'fan-out handler failed');
      }
    }
  });

  const follow = (conv: string): Channel => {
    const name = prefix + conv;
    const existing = channels.get(name);
    if (existing) return existing;
    const confirmed = sub.subscribe(name).then(
      () => undefined,
      (err) => {
        if (!closed) logger.warn({ err: describeError(err) }, 'fan-out SUBSCRIBE failed');
        // forget it so the next subscriber asks Redis again
        if (channels.get(name) === channel) channels.delete(name);
        throw unavailable('live updates are unavailable right now');
      },
    );
    confirmed.catch(() => undefined); // observed through each subscription's `ready`
    const channel: Channel = { conv, handlers: new Set(), confirmed };
    channels.set(name, channel);
    return channel;
  };

  const leave = (conv: string, channel: Channel) => {
    const name = prefix + conv;
    if (channel.handlers.size > 0 || channels.get(name) !== channel) return;
    channels.delete(name);
    if (!closed) sub.unsubscribe(name).catch((err) => logger.debug({ err: describeError(err) }, 'fan-out UNSUBSCRIBE failed'));
  };

  return {
    connectionNames: names,

    async publish(conv, msg) {
      if (closed) throw unavailable('the fan-out bus is closed');
      const sent = pub.publish(prefix + conv, encodeBusMessage(msg));
      if (pub.status !== 'ready') {
        // ioredis keeps it until Redis is back; the pusher does not wait for that
        if (queued >= maxQueued) {
          sent.catch(() => undefined);
          lostOne(conv);
          throw unavailable('the fan-out bus is unreachable and its queue is full');
        }
        queued++;
        sent.then(
          () => queued--,
          () => {
            queued--;
            lostOne(conv);
          },
        );
        return;
      }
      try {
        await within(sent, publishTimeoutMs, () => unavailable('the fan-out bus did not answer in time'));
      } catch (err) {
        lostOne(conv);
        throw err instanceof MekongError ? err : unavailable('the fan-out bus refused a publish');
      }
    },

    subscribe(conv, handler): BusSubscription {
      if (closed) throw unavailable('the fan-out bus is closed');
      const channel = follow(conv);
      // wrap so the same function subscribed twice is two subscriptions, each ended separately
      const entry = (msg: BusMessage) => handler(msg);
      channel.handlers.add(entry);
      const ready = within(channel.confirmed, subscribeTimeoutMs, () => unavailable('live updates are unavailable right now'));
      ready.catch(() => undefined); // the caller may never look; an unobserved rejection is not a crash
      let ended = false;
      return {
        ready,
        unsubscribe() {
          if (ended) return;
          ended = true;
          channel.handlers.delete(entry);
          leave(conv, channel);
        },
      };
    },

    onGap(listener) {
      const wrapped = (conv?: string) => listener(conv);
      gapListeners.add(wrapped);
      return () => gapListeners.delete(wrapped);
    },

    async close() {
      if (closed) return;
      closed = true;
      channels.clear();
      gapListeners.clear();
      // QUIT waits for Redis; a connection that is down is simply dropped
      const end = (c: Redis) => (c.status === 'ready' ? c.quit().then(() => undefined, () => c.disconnect()) : c.disconnect());
      await Promise.all([end(pub), end(sub)]);
    },
  };
}

/** `promise`, or the error from `fail` once `ms` passed. */
function within<T>(promise: Promise<T>, ms: number, fail: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(fail()), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
