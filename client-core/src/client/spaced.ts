// Work that may be asked for in bursts but must run at most once per interval: the first request
// runs at once, and every request during the pause that follows is served by one run at its end.

/**
 * @example
 * const reread = new Spaced(() => refreshList(), 2000, Date.now);
 * reread.request(); // runs now
 * reread.request(); // within 2 s: runs once, 2 s after the first
 * reread.request(); // same pause: nothing more
 */
export class Spaced {
  private lastRunAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly run: () => void,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** Runs now if the last run is at least the interval ago, else once at the end of the pause. */
  request(): void {
    if (this.timer) return; // a run is already due
    const wait = this.lastRunAt + this.intervalMs - this.now();
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.timer = setTimeout(() => this.fire(), wait);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Drops a run that is due; later requests are spaced as before. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private fire(): void {
    this.timer = null;
    this.lastRunAt = this.now();
    this.run();
  }
}
