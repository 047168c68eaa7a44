// Redis RevocationBus: one pub/sub channel that every process of a cluster shares. API processes and
// the admin CLI publish; every relay listens. Pub/sub keeps nothing for a listener that is away, so
// after a dropped connection the listener reports a gap once it is live again, and the relay re-checks
// its open sockets against the database, which already holds every revocation.
//
// Join and change hints go on a second channel, `<channel>:joined` (named after the first hint),
// over the same two connections. Apart, so that a relay older than hints never receives one (on the
// revocation channel it would be an unreadable event, and every unreadable event there makes a relay
// re-check all its sockets), and so that an unreadable payload on the joins channel can be dropped
// with a warning: a lost hint costs a device one poll interval, never access. A relay that knows
// join hints but not change hints drops a change hint as unreadable, with that warning.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import type { AccessEvent, ListHint, Revocation, RevocationBus, RevocationSubscription } from '../ports';
import { connectionId, createRedisConnector, endRedis, resubscribeOnReconnect, within } from '../redis-connection';
import { describeError } from '../text';
import { decodeHint, decodeRevocation, encodeAccessEvent, isHint } from './codec';

export interface RedisRevocationOptions {
  /** For example redis://127.0.0.1:6379. */
  url: string;
  /** The channel; every process of one cluster must use the same. Default 'mekong:revocation'. Join hints use `<channel>:joined`. */
  channel?: string;
  logger?: Logger;
  /** How long publish() waits for Redis before it rejects; the event stays queued and goes out once Redis is back. Default 2000. */
  publishTimeoutMs?: number;
  /** How long `ready` of a subscription waits for Redis to confirm it. Default 5000. */
  subscribeTimeoutMs?: number;
  /**
   * Events kept while Redis is unreachable, counted apart for revocations and for join hints (so
   * hints never crowd out a revocation); beyond this publish() fails at once. Default 10000.
   */
  maxQueuedPublishes?: number;
  /** Wait before reconnect attempt `n` (from 1). Default min(50·n, 2000) ms. */
  retryDelayMs?: (attempt: number) => number;
}

export interface RedisRevocations extends RevocationBus {
  /** CLIENT SETNAME of the two connections (each opened on first use), to find them in CLIENT LIST. */
  readonly connectionNames: { publisher: string; subscriber: string };
}

export function createRedisRevocations(options: RedisRevocationOptions): RedisRevocations {
  const channel = options.channel ?? 'mekong:revocation';
  const joinsChannel = `${channel}:joined`;
  const logger = options.logger ?? pino({ name: 'mekong-revocation' });
  const publishTimeoutMs = options.publishTimeoutMs ?? 2000;
  const subscribeTimeoutMs = options.subscribeTimeoutMs ?? 5000;
  const maxQueued = options.maxQueuedPublishes ?? 10_000;
  const id = connectionId();
  const names = { publisher: `mekong-revocation-pub-${id}`, subscriber: `mekong-revocation-sub-${id}` };
  // no retry limit: commands wait through reconnects (a revocation must not be dropped because Redis
  // blinked); the timeouts above bound what callers wait for
  const connect = createRedisConnector({ url: options.url, logger, what: 'revocation', retryDelayMs: options.retryDelayMs });
  const handlers = new Set<(event: Revocation) => void>();
  const hintHandlers = new Set<(event: ListHint) => void>();
  const gapListeners = new Set<() => void>();
  let pub: Redis | undefined;
  let sub: { redis: Redis; confirmed: Promise<void> } | undefined;
  /** Publishes handed to ioredis and not yet answered, per kind of event. */
  const queued = { revocation: 0, joined: 0 };
  let closed = false;

  const unavailable = (what: string) => new MekongError(ErrorCode.UNAVAILABLE, what);
  const closedError = () => unavailable('the revocation bus is closed; create a new one');

  const emitGap = () => {
    for (const listener of [...gapListeners]) {
      try {
        listener();
      } catch (err) {
        logger.error({ err: describeError(err) }, 'revocation gap listener failed');
      }
    }
  };

  const publisher = (): Redis => {
    pub ??= connect.open(names.publisher, 'publisher');
    return pub;
  };

  /** Each handler gets its own copy; one that throws is logged and the others still run. */
  const callEach = <E extends object>(set: Set<(e: E) => void>, event: E, failed: string): void => {
    for (const handler of [...set]) {
      try {
        handler({ ...event });
      } catch (err) {
        logger.error({ err: describeError(err) }, failed);
      }
    }
  };

  // a hint nobody could read is dropped, not reported as a gap: nothing was taken away
  const receiveHint = (payload: string): void => {
    let event: ListHint;
    try {
      event = decodeHint(payload);
    } catch (err) {
      logger.warn({ err: describeError(err), bytes: payload.length }, 'dropped an unreadable hint');
      return;
    }
    callEach(hintHandlers, event, 'hint handler failed');
  };

  const listen = (): { redis: Redis; confirmed: Promise<void> } => {
    if (sub) return sub;
    const redis = connect.open(names.subscriber, 'subscriber');
    let late = false; // a subscription stopped waiting for the first confirmation: what came before it is unknown
    // asking again and awaiting the answer proves the channel is live before relays re-check, so
    // nothing revoked during the re-check can slip past both
    const watch = resubscribeOnReconnect(redis, {
      logger,
      isClosed: () => closed,
      resubscribe: () => redis.subscribe(channel, joinsChannel),
      onLive: emitGap,
      liveMessage: 'revocation listener is live again',
    });
    redis.on('message', (name: string, payload: string) => {
      if (name === joinsChannel) {
        receiveHint(payload);
        return;
      }
      if (name !== channel) return;
      let event: Revocation;
      try {
        event = decodeRevocation(payload);
      } catch (err) {
        // something was meant to be revoked and cannot be read: re-check everything instead
        logger.warn({ err: describeError(err), bytes: payload.length }, 'dropped an unreadable revocation event');
        emitGap();
        return;
      }
      callEach(handlers, event, 'revocation handler failed');
    });
    // a relay that stopped waiting for the first confirmation (Redis was down at start) went on
    // without events; once the channel is live, what it may have missed is reported as a gap
    const timer = setTimeout(() => {
      late = true;
    }, subscribeTimeoutMs);
    timer.unref?.();
    const confirmed = redis.subscribe(channel, joinsChannel).then(
      () => {
        clearTimeout(timer);
        if (late && !closed) emitGap();
        late = false;
      },
      (err) => {
        clearTimeout(timer);
        if (!closed) logger.warn({ err: describeError(err) }, 'SUBSCRIBE to revocations failed; retrying at the next reconnect');
        watch.markLost(); // the next 'ready' subscribes again and reports the gap
        throw unavailable('revocations are unavailable right now; try again shortly');
      },
    );
    confirmed.catch(() => undefined); // observed through each subscription's `ready`
    sub = { redis, confirmed };
    return sub;
  };

  const wording = {
    revocation: {
      tooMany: 'Redis is unreachable and too many revocations wait for it; they apply at the next check',
      lost: 'a revocation could not be broadcast; relays apply it at their next check',
      late: 'the revocation is recorded but Redis did not take it in time; it goes out once Redis answers',
    },
    joined: {
      tooMany: 'Redis is unreachable and too many hints wait for it; devices see the change at their next list refresh',
      lost: 'a join or change hint could not be broadcast; devices see the change at their next list refresh',
      late: 'the membership is recorded but Redis did not take its hint in time; it goes out once Redis answers',
    },
  };

  function listenFor<E>(set: Set<(event: E) => void>, handler: (event: E) => void): RevocationSubscription {
    if (closed) throw closedError();
    const { confirmed } = listen();
    const entry = (event: E) => handler(event);
    set.add(entry);
    const ready = within(confirmed, subscribeTimeoutMs, () => unavailable('revocations are unavailable right now; try again shortly'));
    ready.catch(() => undefined); // the caller may never look
    return {
      ready,
      unsubscribe: () => void set.delete(entry),
    };
  }

  return {
    connectionNames: names,

    async publish(event: AccessEvent) {
      const payload = encodeAccessEvent(event); // BAD_REQUEST before anything is sent
      if (closed) throw closedError();
      const sort = isHint(event) ? 'joined' : 'revocation';
      const words = wording[sort];
      if (queued[sort] >= maxQueued) throw unavailable(words.tooMany);
      queued[sort]++;
      const sent = publisher().publish(sort === 'joined' ? joinsChannel : channel, payload);
      sent.then(
        () => {
          queued[sort]--;
        },
        (err) => {
          queued[sort]--;
          if (!closed) logger.error({ err: describeError(err), kind: event.kind }, words.lost);
        },
      );
      await within(sent, publishTimeoutMs, () => unavailable(words.late));
    },

    subscribe: (handler) => listenFor(handlers, handler),

    subscribeHints: (handler) => listenFor(hintHandlers, handler),

    onGap(listener) {
      const wrapped = () => listener();
      gapListeners.add(wrapped);
      return () => gapListeners.delete(wrapped);
    },

    async close() {
      if (closed) return;
      closed = true;
      handlers.clear();
      hintHandlers.clear();
      gapListeners.clear();
      // QUIT lets queued publishes go out first; a connection that is down is simply dropped
      await Promise.all([endRedis(pub), endRedis(sub?.redis)]);
    },
  };
}
