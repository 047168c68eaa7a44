// A LogStore wrapper whose appends and reads a test can hold back or make fail.
import type { LogStore } from '../ports';

export interface Gate {
  /** Calls wait here while held. */
  hold(): void;
  release(): void;
  /** The next calls throw this until cleared. */
  failWith(err: Error | undefined): void;
  /** Calls currently waiting. */
  readonly waiting: number;
}

function gate(): Gate & { pass(): Promise<void> } {
  let held: { promise: Promise<void>; resolve: () => void } | undefined;
  let failure: Error | undefined;
  let waiting = 0;
  return {
    hold() {
      if (held) return;
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      held = { promise, resolve };
    },
    release() {
      held?.resolve();
      held = undefined;
    },
    failWith(err) {
      failure = err;
    },
    get waiting() {
      return waiting;
    },
    async pass() {
      if (held) {
        waiting++;
        await held.promise;
        waiting--;
      }
      if (failure) throw failure;
    },
  };
}

/** `inner` with a gate before each append and a gate after each read. */
export function heldLog(inner: LogStore): LogStore & { appends: Gate; reads: Gate } {
  const appends = gate();
  const reads = gate();
  return {
    appends,
    reads,
    async append(...args) {
      await appends.pass();
      return inner.append(...args);
    },
    async readAfter(...args) {
      // read first, then wait: like a database read whose snapshot predates what commits meanwhile
      const rows = await inner.readAfter(...args);
      await reads.pass();
      return rows;
    },
    head: (conv) => inner.head(conv),
    putSnapshot: (...args) => inner.putSnapshot(...args),
    latestSnapshot: (conv) => inner.latestSnapshot(conv),
    close: () => inner.close(),
  };
}
