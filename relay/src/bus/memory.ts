// In-process FanoutBus: delivers synchronously to the handlers of this process, for one-relay deployments and tests.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { BusMessage, FanoutBus } from '../ports';

export interface MemoryBusOptions {
  /** Told about a handler that threw; the other handlers still get the message. */
  onHandlerError?: (err: unknown) => void;
}

/** A FanoutBus inside one process. Handlers run before publish() resolves; subscriptions are ready at once. */
export function createMemoryBus(options: MemoryBusOptions = {}): FanoutBus {
  const handlers = new Map<string, Set<(msg: BusMessage) => void>>();
  let closed = false;

  return {
    async publish(conv, msg) {
      if (closed) throw new MekongError(ErrorCode.UNAVAILABLE, 'the fan-out bus is closed; create a new one');
      // copy: a handler that unsubscribes while being called must not disturb this delivery
      for (const handler of [...(handlers.get(conv) ?? [])]) {
        try {
          handler(msg);
        } catch (err) {
          options.onHandlerError?.(err);
        }
      }
    },
    subscribe(conv, handler) {
      if (closed) throw new MekongError(ErrorCode.UNAVAILABLE, 'the fan-out bus is closed; create a new one');
      // wrap so the same function subscribed twice is two subscriptions, each ended separately
      const entry = (msg: BusMessage) => handler(msg);
      let set = handlers.get(conv);
      if (!set) {
        set = new Set();
        handlers.set(conv, set);
      }
      set.add(entry);
      return {
        // delivery is synchronous and in-process, so the subscription is live as soon as it exists
        ready: Promise.resolve(),
        unsubscribe() {
          const current = handlers.get(conv);
          if (!current) return;
          current.delete(entry);
          if (current.size === 0) handlers.delete(conv);
        },
      };
    },
    // nothing is lost between publish and handler in one process, so there is never a gap to report
    onGap: () => () => {},
    async close() {
      closed = true;
      handlers.clear();
    },
  };
}
