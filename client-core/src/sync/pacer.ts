// Paces pushes so one device never floods its relay: at most `window` unacknowledged pushes in
// flight and at most `rate` per second. What is not sent stays queued here (and durable in the
// outbox), so a burst of thousands of queued messages drains at the relay's pace instead of
// being dropped and resent in a loop.
import type { PushUp } from '@mekong/schema';

export interface PacerOptions {
  window?: number;
  ratePerSecond?: number;
  burst?: number;
  now?: () => number;
}

const key = (conv: string, counter: number) => `${conv}\u0000${counter}`;

export class PushPacer {
  private readonly queue: PushUp[] = [];
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  private tokens: number;
  private last: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly window: number;
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(
    private readonly write: (frame: PushUp) => void,
    opts: PacerOptions = {},
  ) {
    this.window = opts.window ?? 64;
    this.rate = opts.ratePerSecond ?? 200;
    this.burst = opts.burst ?? 400;
    this.now = opts.now ?? Date.now;
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Queue a push (ignored if the same push is already queued or in flight). */
  push(frame: PushUp): void {
    const k = key(frame.conv, frame.counter);
    if (this.queued.has(k) || this.inFlight.has(k)) return;
    this.queued.add(k);
    this.queue.push(frame);
    this.pump();
  }

  acked(conv: string, counter: number): void {
    this.inFlight.delete(key(conv, counter));
    this.pump();
  }

  /** The relay refused or dropped in-flight pushes: forget them (the outbox resends them). */
  forgetInFlight(): void {
    this.inFlight.clear();
  }

  /** The socket closed: everything queued is resent from the outbox after reconnecting. */
  reset(): void {
    this.queue.length = 0;
    this.queued.clear();
    this.inFlight.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  get pending(): number {
    return this.queue.length + this.inFlight.size;
  }

  private pump(): void {
    this.refill();
    while (this.queue.length > 0 && this.inFlight.size < this.window && this.tokens >= 1) {
      const f = this.queue.shift()!;
      const k = key(f.conv, f.counter);
      this.queued.delete(k);
      this.inFlight.add(k);
      this.tokens -= 1;
      this.write(f);
    }
    if (this.queue.length > 0 && this.inFlight.size < this.window && !this.timer) {
      const wait = Math.max(5, ((1 - this.tokens) / this.rate) * 1000);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
    }
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }
}
