// Local subscription registry: one bus subscription per conversation, shared by every connection here that follows it.
import type { BusMessage, FanoutBus } from './ports';

/** Something that receives bus messages for the conversations it follows (a connection). */
export interface Subscriber {
  readonly id: string;
  deliver(conv: string, msg: BusMessage): void;
}

interface Followed {
  subscribers: Set<Subscriber>;
  stop: () => void;
}

export class Hub {
  private readonly convs = new Map<string, Followed>();
  private total = 0;

  constructor(
    private readonly bus: FanoutBus,
    private readonly onDeliveryError: (err: unknown) => void,
  ) {}

  /** Number of (connection, conversation) subscriptions. */
  get size(): number {
    return this.total;
  }

  add(conv: string, subscriber: Subscriber): void {
    let followed = this.convs.get(conv);
    if (!followed) {
      const subscribers = new Set<Subscriber>();
      const stop = this.bus.subscribe(conv, (msg) => {
        for (const s of [...subscribers]) {
          // one broken connection must not keep the message from the others
          try {
            s.deliver(conv, msg);
          } catch (err) {
            this.onDeliveryError(err);
          }
        }
      });
      followed = { subscribers, stop };
      this.convs.set(conv, followed);
    }
    if (!followed.subscribers.has(subscriber)) {
      followed.subscribers.add(subscriber);
      this.total++;
    }
  }

  remove(conv: string, subscriber: Subscriber): void {
    const followed = this.convs.get(conv);
    if (!followed?.subscribers.delete(subscriber)) return;
    this.total--;
    if (followed.subscribers.size === 0) {
      followed.stop();
      this.convs.delete(conv);
    }
  }

  /** Ends every bus subscription. */
  close(): void {
    for (const followed of this.convs.values()) followed.stop();
    this.convs.clear();
    this.total = 0;
  }
}
