// Coalesced re-reads of the conversation list. Callers join the re-read in flight; a caller that has
// just heard the list changed (a `joined` hint from the relay) needs one that starts after it, since
// the one in flight may have read the list before the change: one more is queued behind it, shared
// by every such caller until it starts. A burst of hints costs at most two re-reads.

/**
 * @example
 * const list = new Refresher(() => following.refresh(), () => running);
 * await list.refresh();      // the poll, a reconnect: any re-read will do
 * await list.refresh(true);  // a hint: a re-read that starts from now on
 */
export class Refresher {
  private inFlight: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  /** `work` re-reads the list; `active` says whether a queued re-read should still run when its turn comes. */
  constructor(
    private readonly work: () => Promise<void>,
    private readonly active: () => boolean,
  ) {}

  /** Resolves once a re-read finished (with `fresh`, one that started after this call); rejects with its error. */
  refresh(fresh = false): Promise<void> {
    if (this.inFlight && fresh) {
      this.queued ??= this.inFlight
        .catch(() => {})
        .then(() => {
          this.queued = null;
          // logged out or closed meanwhile: nothing to re-read
          return this.active() ? this.refresh() : undefined;
        });
      return this.queued;
    }
    this.inFlight ??= this.work().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }
}
