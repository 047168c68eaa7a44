// A fair bound on concurrent log reads: after a reconnect every followed conversation wants the log at once.

export class ReadSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(max: number) {
    this.free = max;
  }

  /** Runs `read` once a slot is free; callers are served first come, first served. */
  async run<T>(read: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await read();
    } finally {
      // hand the slot straight to the next caller, so a newcomer cannot overtake one that waits
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
