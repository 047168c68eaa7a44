// In-process RevocationBus: for one-process deployments, where the API and the relay share the process.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Revocation, RevocationBus } from '../ports';
import { checkRevocation } from './codec';

export interface MemoryRevocationOptions {
  /** Told about a handler that threw; the other handlers still get the event. */
  onHandlerError?: (err: unknown) => void;
}

/** A RevocationBus inside one process. Handlers run before publish() resolves, so nothing is ever missed. */
export function createMemoryRevocations(options: MemoryRevocationOptions = {}): RevocationBus {
  const handlers = new Set<(event: Revocation) => void>();
  let closed = false;
  const closedError = () => new MekongError(ErrorCode.UNAVAILABLE, 'the revocation bus is closed; create a new one');

  return {
    async publish(event) {
      const checked = checkRevocation(event);
      if (closed) throw closedError();
      for (const handler of [...handlers]) {
        try {
          // each handler gets its own copy, so one cannot change what the next one sees
          handler({ ...checked });
        } catch (err) {
          options.onHandlerError?.(err);
        }
      }
    },
    subscribe(handler) {
      if (closed) throw closedError();
      // wrapped so the same function subscribed twice is two subscriptions
      const entry = (event: Revocation) => handler(event);
      handlers.add(entry);
      return {
        ready: Promise.resolve(),
        unsubscribe: () => void handlers.delete(entry),
      };
    },
    // delivery is synchronous and in-process: there is never anything to have missed
    onGap: () => () => {},
    async close() {
      closed = true;
      handlers.clear();
    },
  };
}
