// Local subscription registry: one bus subscription and one ordered feed per conversation, shared by
// every connection here that follows it.
import { ConvFeed } from './conv-feed';
import { die, fanoutFault } from './fault';
import type { BusMessage, BusSubscription, FanoutBus, LogStore } from './ports';
import { ReadSlots } from './read-slots';

/** Something that receives bus messages for the conversations it follows (a connection). */
export interface Subscriber {
  readonly id: string;
  deliver(conv: string, msg: BusMessage): void;
}

export interface HubOptions {
  log: LogStore;
  /** Updates read from the log at once when filling a gap. */
  pageSize: number;
  /** Read the log once more this long after a conversation's last bus update (0: never). Default 1000. */
  quietMs?: number;
  /** Log reads for gap filling running at once, across all conversations. Default 8. */
  maxConcurrentReads?: number;
  onError(err: unknown, during: string): void;
}

interface Followed<S extends Subscriber> {
  /** Each subscriber with the highest seq it has been handed; nothing at or below it goes to it again. */
  subscribers: Map<S, number>;
  subscription: BusSubscription;
  feed: ConvFeed;
  ready: Promise<void>;
}

export class Hub<S extends Subscriber = Subscriber> {
  private readonly convs = new Map<string, Followed<S>>();
  private readonly slots: ReadSlots;
  private readonly stopGaps: () => void;
  private total = 0;

  constructor(
    private readonly bus: FanoutBus,
    private readonly options: HubOptions,
  ) {
    this.slots = new ReadSlots(options.maxConcurrentReads ?? 8);
    this.stopGaps = bus.onGap((conv) => {
      if (conv === undefined) for (const followed of this.convs.values()) followed.feed.requestResync();
      else this.convs.get(conv)?.feed.requestResync();
    });
  }

  /** Number of (connection, conversation) subscriptions. */
  get size(): number {
    return this.total;
  }

  /**
   * Follows `conv` for `subscriber`. Resolves once live delivery is on: read the log only after that,
   * so an update committed during the read arrives live if the read missed it. Rejects (and forgets
   * the subscriber) when the bus cannot subscribe.
   */
  add(conv: string, subscriber: S): Promise<void> {
    const followed = this.convs.get(conv) ?? this.follow(conv);
    if (!followed.subscribers.has(subscriber)) {
      followed.subscribers.set(subscriber, 0);
      this.total++;
    }
    return followed.ready;
  }

  /** `subscriber` has been sent everything through `seq` by its catch-up; live updates up to it are skipped. */
  caughtUp(conv: string, subscriber: S, seq: number): void {
    const subscribers = this.convs.get(conv)?.subscribers;
    const seen = subscribers?.get(subscriber);
    if (subscribers && seen !== undefined) subscribers.set(subscriber, Math.max(seen, seq));
  }

  /** Who follows `conv` here now (a copy). */
  subscribersOf(conv: string): S[] {
    const followed = this.convs.get(conv);
    return followed ? [...followed.subscribers.keys()] : [];
  }

  remove(conv: string, subscriber: S): void {
    const followed = this.convs.get(conv);
    if (!followed?.subscribers.delete(subscriber)) return;
    this.total--;
    if (followed.subscribers.size === 0) this.drop(conv, followed);
  }

  /** Ends every bus subscription. */
  close(): void {
    this.stopGaps();
    for (const followed of this.convs.values()) {
      followed.subscription.unsubscribe();
      followed.feed.stop();
    }
    this.convs.clear();
    this.total = 0;
  }

  private follow(conv: string): Followed<S> {
    const { log, pageSize, quietMs = 1000, onError } = this.options;
    const feed: ConvFeed = new ConvFeed({
      conv,
      log,
      pageSize,
      slots: this.slots,
      quietMs,
      onError,
      deliver: (msg) => this.fanOut(conv, followed, msg),
    });
    const subscription = this.bus.subscribe(conv, (msg) => feed.receive(msg));
    const ready = subscription.ready
      // the head is read once the bus is live, and before any subscriber reads the log: updates after
      // it come through the feed, updates up to it through each subscriber's own catch-up
      .then(() => log.head(conv))
      .then(
        (head) => {
          if (this.convs.get(conv) === followed) feed.start(head);
        },
        (err) => {
          this.drop(conv, followed);
          throw err;
        },
      );
    ready.catch(() => undefined); // each caller of add() sees the rejection; this copy must not crash the process
    const followed: Followed<S> = { subscribers: new Map(), subscription, feed, ready };
    this.convs.set(conv, followed);
    return followed;
  }

  private drop(conv: string, followed: Followed<S>): void {
    if (this.convs.get(conv) !== followed) return;
    this.convs.delete(conv);
    this.total -= followed.subscribers.size;
    followed.subscribers.clear();
    followed.subscription.unsubscribe();
    followed.feed.stop();
  }

  private fanOut(conv: string, followed: Followed<S>, msg: BusMessage): void {
    // the live map, not a copy (this runs for every message on every relay): an entry deleted by an
    // earlier delivery in this loop is not visited, and a delivery never adds a subscriber
    for (const [subscriber, seen] of followed.subscribers) {
      if (msg.kind === 'update') {
        if (msg.seq <= seen) continue;
        // set before delivering: delivery may end the subscription, and then this entry must stay gone
        followed.subscribers.set(subscriber, msg.seq);
      }
      // one broken connection must not keep the message from the others
      try {
        subscriber.deliver(conv, msg);
      } catch (err) {
        this.options.onError(err, 'delivery');
      }
      // test-only (MEKONG_FAULT=mid-fanout:n): die with this subscriber served and the rest not
      if (fanoutFault && msg.kind === 'update' && subscriber.id !== msg.origin && fanoutFault.conv === conv && fanoutFault.seq === msg.seq) {
        die(`mid-fan-out of ${conv} seq ${msg.seq}, after 1 of ${followed.subscribers.size} local subscribers`);
      }
    }
  }
}
