// When this device says "typing" in one conversation: at once on the first keystroke, again at most
// every `everyMs` while keystrokes keep coming, and "stopped" after `idleMs` without one (or when
// the app says so, e.g. the message was sent).

export interface TypingSenderDeps {
  now(): number;
  /** Sends one signal; order of calls is order on the wire. */
  send(typing: boolean): void;
  everyMs: number;
  idleMs: number;
}

export class TypingSender {
  private active = false;
  private lastStart = Number.NEGATIVE_INFINITY;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly deps: TypingSenderDeps) {}

  /** A keystroke (`true`), or the user stopped typing (`false`). */
  typing(active: boolean): void {
    if (!active) {
      this.stop();
      return;
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stop(), this.deps.idleMs);
    (this.idleTimer as { unref?: () => void }).unref?.();
    const now = this.deps.now();
    if (this.active && now - this.lastStart < this.deps.everyMs) return;
    this.active = true;
    this.lastStart = now;
    this.deps.send(true);
  }

  /** Says "stopped" if "typing" was said; cancels the idle timer. */
  stop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (!this.active) return;
    this.active = false;
    this.deps.send(false);
  }
}
