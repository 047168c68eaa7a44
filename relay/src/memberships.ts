// What one connection knows about its user's memberships: a positive answer of the directory is
// trusted for `membershipTtlMs`, a revocation (from anywhere in the cluster) drops it at once, and an
// answer the directory gave while a revocation arrived is not trusted. Membership is looked up on
// every subscribe, push and fetch, so the cache keeps the directory off the hot path.
import type { Directory } from './ports';

export interface MembershipsDeps {
  directory: Directory;
  now(): number;
  ttlMs: number;
}

export class Memberships {
  private readonly confirmed = new Map<string, number>(); // conv → when membership was last confirmed
  /** Bumped by every revocation, so an answer the directory gave meanwhile is not trusted. */
  private revocations = 0;
  /** Conversations being asked again in the background; made on first use, as most connections never need it. */
  private rechecking: Set<string> | undefined;

  constructor(private readonly deps: MembershipsDeps) {}

  /**
   * Whether `user` is a member of `conv`, from the cache while the last positive answer is fresh.
   * @example if (!(await memberships.isMember(conv, user))) throw notMember();
   */
  async isMember(conv: string, user: string): Promise<boolean> {
    const now = this.deps.now();
    if (this.fresh(conv, now)) return true;
    const revocations = this.revocations;
    const ok = await this.deps.directory.isMember(conv, user);
    // a revocation arrived while the directory answered: the answer may predate it, so ask again
    if (revocations !== this.revocations) return this.isMember(conv, user);
    if (ok) this.confirmed.set(conv, now);
    else this.confirmed.delete(conv);
    return ok;
  }

  /**
   * Once the answer for `conv` is stale, asks again in the background (at most one question per
   * conversation at a time) and calls `lost` if the user is no longer a member.
   */
  recheck(conv: string, user: string, lost: () => void, failed: (err: unknown) => void): void {
    if (this.fresh(conv, this.deps.now())) return;
    this.rechecking ??= new Set();
    const rechecking = this.rechecking;
    if (rechecking.has(conv)) return;
    rechecking.add(conv);
    this.isMember(conv, user)
      .then((ok) => {
        if (!ok) lost();
      }, failed)
      .finally(() => rechecking.delete(conv));
  }

  /** The user lost `conv`: forget the cached answer. */
  revoked(conv: string): void {
    this.confirmed.delete(conv);
    this.revocations++;
  }

  /** Revocations may have been missed: every membership is asked of the directory again before it is relied on. */
  forgetAll(): void {
    this.confirmed.clear();
    this.revocations++;
  }

  private fresh(conv: string, now: number): boolean {
    const at = this.confirmed.get(conv);
    return at !== undefined && now - at < this.deps.ttlMs;
  }
}
