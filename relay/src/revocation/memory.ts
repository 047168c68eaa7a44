// In-process RevocationBus: for one-process deployments, where the API and the relay share the process.
import { ErrorCode, MekongError } from '@mekong/schema';
import type { ListHint, Revocation, RevocationBus, RevocationSubscription } from '../ports';
import { checkAccessEvent, isHint } from './codec';

export interface MemoryRevocationOptions {
  /** Told about a handler that threw; the other handlers still get the event. */
  onHandlerError?: (err: unknown) => void;
}

/** A RevocationBus inside one process. Handlers run before publish() resolves, so nothing is ever missed. */
export function createMemoryRevocations(options: MemoryRevocationOptions = {}): RevocationBus {
  const revocationHandlers = new Set<(event: Revocation) => void>();
  const hintHandlers = new Set<(event: ListHint) => void>();
  let closed = false;
  const closedError = () => new MekongError(ErrorCode.UNAVAILABLE, 'the revocation bus is closed; create a new one');

  function deliver<E extends object>(handlers: Set<(event: E) => void>, event: E): void {
    for (const handler of [...handlers]) {
      try {
        // each handler gets its own copy, so one cannot change what the next one sees
        handler({ ...event });
      } catch (err) {
        options.onHandlerError?.(err);
      }
    }
  }

  function listen<E>(handlers: Set<(event: E) => void>, handler: (event: E) => void): RevocationSubscription {
    if (closed) throw closedError();
    // wrapped so the same function subscribed twice is two subscriptions
    const entry = (event: E) => handler(event);
    handlers.add(entry);
    return {
      ready: Promise.resolve(),
      unsubscribe: () => void handlers.delete(entry),
    };
  }

  return {
    async publish(event) {
      const checked = checkAccessEvent(event);
      if (closed) throw closedError();
      if (isHint(checked)) deliver(hintHandlers, checked);
      else deliver(revocationHandlers, checked);
    },
    subscribe: (handler) => listen(revocationHandlers, handler),
    subscribeHints: (handler) => listen(hintHandlers, handler),
    // delivery is synchronous and in-process: there is never anything to have missed
    onGap: () => () => {},
    async close() {
      closed = true;
      revocationHandlers.clear();
      hintHandlers.clear();
    },
  };
}
