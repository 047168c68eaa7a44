// Redis FanoutBus: relay processes share conversations through pub/sub, one channel per conversation.
// Pub/sub is at-most-once; this adapter says when it may have lost something (onGap) and the hub
// repairs that from the log.
import { ErrorCode, MekongError } from '@mekong/schema';
import { type Logger, pino } from 'pino';
import type { BusMessage, BusSubscription, FanoutBus } from '../ports';
import { connectionId, createRedisConnector, endRedis, resubscribeOnReconnect, within } from '../redis-connection';
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
  const id = connectionId();
  const names = { publisher: `mekong-fanout-pub-${id}`, subscriber: `mekong-fanout-sub-${id}` };
  // no retry limit: commands wait through reconnects, and the timeouts above bound what callers see
  const connect = createRedisConnector({ url: options.url, logger, what: 'fan-out', retryDelayMs: options.retryDelayMs });
  const pub = connect.open(names.publisher, 'publisher', { enableAutoPipelining: true });
  const sub = connect.open(names.subscriber, 'subscriber');
  const channels = new Map<string, Channel>();
  const gapListeners = new Set<(conv?: string) => void>();
  let queued = 0;
  let closed = false;

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
  // once live again after a drop, every conversation may have missed something: one gap for all
  const watch = resubscribeOnReconnect(sub, {
    logger,
    isClosed: () => closed,
    resubscribe: () => {
      const wanted = [...channels.keys()];
      const batches: Promise<unknown>[] = [];
      for (let i = 0; i < wanted.length; i += RESUBSCRIBE_BATCH) batches.push(sub.subscribe(...wanted.slice(i, i + RESUBSCRIBE_BATCH)));
      return Promise.all(batches);
    },
    onLive: () => emitGap(),
    liveMessage: 'fan-out subscriber is live again',
    liveFields: () => ({ channels: channels.size }),
  });
  // a loss while the subscriber is down is covered by the gap reported when it is back
  const lostOne = (conv: string) => {
    if (!watch.lost && sub.status === 'ready') emitGap(conv);
  };

  const deliver = (handler: (msg: BusMessage) => void, msg: BusMessage) => {
    try {
      handler(msg);
    } catch (err) {
      logger.error({ err: describeError(err) }, 'fan-out handler failed');
    }
  };

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
    // a relay's hub holds one handler per conversation: decoded once, handed over without a copy of the set
    if (channel.handlers.size === 1) {
      const only = channel.handlers.values().next().value;
      if (only) deliver(only, msg);
      return;
    }
    for (const handler of [...channel.handlers]) deliver(handler, msg);
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
      await Promise.all([endRedis(pub), endRedis(sub)]);
    },
  };
}
