// One conversation's live feed on this relay: bus updates in seq order, holes filled from the log,
// duplicates dropped, so the connections following it see every update once and in order.
import type { BusMessage, LogStore } from './ports';
import type { ReadSlots } from './read-slots';

type Update = Extract<BusMessage, { kind: 'update' }>;

export interface ConvFeedDeps {
  conv: string;
  log: LogStore;
  /** Most updates read from the log at once, and most bus updates held while a read runs. */
  pageSize: number;
  slots: ReadSlots;
  /** After this long without bus updates the log is read once more, for a lost last update; 0 never. */
  quietMs: number;
  /** Hands a message to the conversation's subscribers. Must not throw. */
  deliver(msg: BusMessage): void;
  onError(err: unknown, during: string): void;
}

/** Pause before reading again after a failed log read. */
const RETRY_MS = 1000;

export class ConvFeed {
  /** Highest seq handed out (or, at start, already in the log when subscribers began reading it). */
  last = 0;
  private started = false;
  private stopped = false;
  private running = false;
  private inbox: Update[] = [];
  /** The bus may have lost updates: read the log after `last` before anything else. */
  private resync = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastActivity = 0;

  constructor(private readonly deps: ConvFeedDeps) {}

  /** Begins ordered delivery after `head`: subscribers read everything up to it from the log themselves. */
  start(head: number): void {
    this.last = head;
    this.started = true;
    this.kick();
  }

  receive(msg: BusMessage): void {
    if (this.stopped) return;
    if (msg.kind === 'ephemeral') {
      this.deps.deliver(msg); // never stored, never ordered
      return;
    }
    this.noteActivity();
    if (this.started && !this.running && !this.resync && this.inbox.length === 0 && msg.seq === this.last + 1) {
      this.handOut(msg); // the common case, delivered synchronously
      return;
    }
    if (this.started && msg.seq <= this.last) return;
    if (this.inbox.length >= this.deps.pageSize) {
      // everything published is already in the log, so dropping the backlog costs only a read
      this.inbox = [];
      this.resync = true;
    } else {
      this.inbox.push(msg);
    }
    this.kick();
  }

  /** The bus may have lost updates of this conversation. */
  requestResync(): void {
    if (this.stopped) return;
    this.resync = true;
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    this.inbox = [];
    clearTimeout(this.timer);
  }

  private kick(): void {
    if (!this.started || this.running || this.stopped) return;
    this.running = true;
    void this.drain().then((ok) => {
      this.running = false;
      if (this.stopped) return;
      if (ok) {
        if (this.resync || this.inbox.length > 0) this.kick();
        return;
      }
      this.resync = true; // whatever was held is in the log; read it once the log answers again
      this.inbox = [];
      setTimeout(() => this.kick(), RETRY_MS).unref?.();
    });
  }

  /** Works until nothing is waiting; false when a log read failed. */
  private async drain(): Promise<boolean> {
    try {
      while (!this.stopped) {
        if (this.resync) {
          this.resync = false;
          await this.fillThrough(Number.POSITIVE_INFINITY);
          continue;
        }
        const next = this.takeLowest();
        if (!next) return true;
        if (next.seq <= this.last) continue;
        if (next.seq > this.last + 1) await this.fillThrough(next.seq - 1);
        if (this.stopped || next.seq <= this.last) continue;
        if (next.seq > this.last + 1) {
          // the bus carried it, so it is committed; the log not showing its predecessors yet leaves
          // the hole to the client, which asks for it by seq
          this.deps.onError(new Error(`log lacks seq ${this.last + 1}..${next.seq - 1}`), 'gap fill');
        }
        this.handOut(next);
      }
      return true;
    } catch (err) {
      this.deps.onError(err, 'gap fill');
      return false;
    }
  }

  /** Hands out the log's entries after `last`, page by page, up to `target` or the log's end. */
  private async fillThrough(target: number): Promise<void> {
    const { log, conv, pageSize, slots } = this.deps;
    while (!this.stopped && this.last < target) {
      const want = Math.min(pageSize, target - this.last);
      const page = await slots.run(() => log.readAfter(conv, this.last, want));
      if (this.stopped) return;
      for (const entry of page) {
        if (entry.seq > this.last) this.handOut({ kind: 'update', seq: entry.seq, envelope: entry.envelope, origin: '' });
      }
      if (page.length < want) return;
    }
  }

  private handOut(msg: Update): void {
    this.last = msg.seq;
    this.deps.deliver(msg);
  }

  private takeLowest(): Update | undefined {
    let at = -1;
    let lowest = Number.POSITIVE_INFINITY;
    this.inbox.forEach((msg, i) => {
      if (msg.seq < lowest) [at, lowest] = [i, msg.seq];
    });
    return at < 0 ? undefined : this.inbox.splice(at, 1)[0];
  }

  /** A lost update with no successor shows no gap; a read after a quiet spell finds it. */
  private noteActivity(): void {
    const { quietMs } = this.deps;
    if (quietMs <= 0) return;
    this.lastActivity = Date.now();
    if (this.timer) return;
    const check = () => {
      const idle = Date.now() - this.lastActivity;
      if (idle < quietMs) {
        this.timer = setTimeout(check, quietMs - idle);
        this.timer.unref?.();
        return;
      }
      this.timer = undefined;
      this.requestResync();
    };
    this.timer = setTimeout(check, quietMs);
    this.timer.unref?.();
  }
}
