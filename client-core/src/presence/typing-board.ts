// Who is typing in one conversation, as this device heard it: an entry per device, kept until it
// says it stopped, its user's message arrives, or it goes `ttlMs` without a refresh.
import type { UserProfile } from '../client/types';

export interface TypingBoardDeps {
  now(): number;
  /** How long a "typing" lasts without a refresh. */
  ttlMs: number;
}

/**
 * @example
 * const board = new TypingBoard({ now: Date.now, ttlMs: 6000 });
 * const off = board.subscribe((users) => show(users));
 * board.set('d_minh_phone', minh, true);
 */
export class TypingBoard {
  /** device → who, and until when */
  private readonly entries = new Map<string, { user: UserProfile; until: number }>();
  private readonly listeners = new Set<(users: UserProfile[]) => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private last = '';

  constructor(private readonly deps: TypingBoardDeps) {}

  /** A device of `user` says it is typing (`true`, refreshing its time) or stopped. */
  set(deviceId: string, user: UserProfile, typing: boolean): void {
    if (typing) this.entries.set(deviceId, { user, until: this.deps.now() + this.deps.ttlMs });
    else this.entries.delete(deviceId);
    this.changed();
  }

  /** Messages from these users arrived: whatever they typed has been sent. */
  clearUsers(userIds: Iterable<string>): void {
    const gone = new Set(userIds);
    for (const [device, e] of this.entries) if (gone.has(e.user.id)) this.entries.delete(device);
    this.changed();
  }

  /** Everyone typing now, each user once, in the order they started. */
  users(): UserProfile[] {
    const now = this.deps.now();
    const out = new Map<string, UserProfile>();
    for (const e of this.entries.values()) if (e.until > now && !out.has(e.user.id)) out.set(e.user.id, e.user);
    return [...out.values()];
  }

  /** Called at once with who is typing now, then on every change. Returns the function that stops it. */
  subscribe(cb: (users: UserProfile[]) => void): () => void {
    this.listeners.add(cb);
    cb(this.users());
    return () => this.listeners.delete(cb);
  }

  get idle(): boolean {
    return this.entries.size === 0 && this.listeners.size === 0;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.entries.clear();
    this.listeners.clear();
  }

  /** Drops what expired, tells listeners when the list changed, and wakes up at the next expiry. */
  private changed(): void {
    const now = this.deps.now();
    for (const [device, e] of this.entries) if (e.until <= now) this.entries.delete(device);
    const users = this.users();
    const key = users.map((u) => u.id).join('\u0000');
    if (key !== this.last) {
      this.last = key;
      for (const cb of [...this.listeners]) cb(users);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.entries.size === 0) return;
    const next = Math.min(...[...this.entries.values()].map((e) => e.until));
    this.timer = setTimeout(() => this.changed(), Math.max(0, next - now));
    (this.timer as { unref?: () => void }).unref?.();
  }
}
