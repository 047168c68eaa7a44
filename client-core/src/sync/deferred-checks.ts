// Author signatures of messages applied in bulk (a snapshot, a long catch-up) are checked when they
// are about to be shown, or in the background, never skipped: whatever the app reads to show goes
// through `page`, which checks the unchecked entries it meets first; the rest are checked newest
// first in small batches that yield to the event loop. Every outcome is stored, so a restart does
// not check again. A message whose signature fails is treated as on arrival: never shown, dropped
// from the index, reported.
import { ErrorCode, MekongError } from '@mekong/schema';
import { fromBytes } from '../local/json';
import { K } from '../local/keys';
import type { StorageOp, StoragePort } from '../storage';
import type { AuthorCheck, CheckOutcome } from './author-check';
import { type MessageEntry, putEntryOp } from './entries';

/** Entries checked per background batch (about 25 ms of Ed25519 on one core), then the event loop runs. */
const BATCH = 128;
/** Index entries read per background step while looking for unchecked ones. */
const SCAN = 512;
/** Pause before trying again entries whose author keys could not be fetched. */
const LATER_MS = 5_000;
/** While the conversation catches up, look again this often. */
const BUSY_RETRY_MS = 2_000;

export interface DeferredChecksHost {
  conv: string;
  storage: StoragePort;
  check: AuthorCheck;
  /** Run `fn` in the replica's queue, after the work queued before it. */
  enqueue<T>(fn: () => Promise<T>): Promise<T>;
  /** How many entries the index holds unchecked, as counted in the replica state. */
  uncheckedCount(): number;
  /** Change that count; returns the write that stores the replica state. */
  adjustUnchecked(delta: number): StorageOp;
  /** True while the conversation catches up: the background waits. */
  busy(): boolean;
  /** Checked entries, to show. */
  emit(entries: MessageEntry[]): void;
  report(err: unknown): void;
}

interface Checked {
  key: string;
  /** the stored bytes that were checked: the outcome is stored only if they are still there */
  bytes: Uint8Array;
  outcome: CheckOutcome;
}

/**
 * @example
 * const checks = new DeferredChecks(host);
 * const newest = await checks.page(50);   // every entry returned has a verified author signature
 * checks.schedule();                      // check the rest in the background
 */
export class DeferredChecks {
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** background position: the key below which the next batch looks (undefined: from the newest) */
  private cursor: string | undefined;
  /** entries of the current pass whose author keys could not be fetched; they stay unchecked */
  private laterInPass = 0;
  private stopped = false;

  constructor(private readonly host: DeferredChecksHost) {}

  /**
   * The entry as shown, for work in the replica's queue (an edit, a reaction): one stored unchecked
   * is checked now and the outcome stored; undefined when its signature fails (it is dropped and
   * reported). @throws MekongError UNAVAILABLE when the author's keys cannot be looked up now
   */
  async settle(e: MessageEntry | undefined): Promise<MessageEntry | undefined> {
    if (!e?.unchecked) return e;
    const { conv, storage, check } = this.host;
    const outcome = await check.entry(e);
    if (outcome.kind === 'later') throw new MekongError(ErrorCode.UNAVAILABLE, 'The author of this message could not be looked up; try again.');
    const stateOp = this.host.adjustUnchecked(-1);
    if (outcome.kind === 'ok') {
      await storage.batch([putEntryOp(conv, outcome.shown), stateOp]);
      this.host.emit([outcome.shown]);
      return outcome.shown;
    }
    this.host.report(outcome.error);
    await storage.batch([{ type: 'del', key: K.msg(conv, e.sentAt, e.id) }, stateOp]);
    return undefined;
  }

  /**
   * The newest `limit` entries before `before`, oldest first, each with its author signature
   * verified: unchecked entries met on the way are checked now (their outcome is stored through the
   * queue), and one that fails is left out and the next older one taken instead.
   */
  async page(limit: number, before?: { sentAt: number; id: string }): Promise<MessageEntry[]> {
    const { conv, storage, check } = this.host;
    const shown: MessageEntry[] = [];
    const settled: Checked[] = [];
    let cursor = before ? K.msg(conv, before.sentAt, before.id) : undefined;
    while (shown.length < limit) {
      const want = limit - shown.length;
      const rows = await storage.range(K.msgPrefix(conv), { reverse: true, limit: want, ...(cursor !== undefined ? { before: cursor } : {}) });
      for (const [key, bytes] of rows) {
        const e = fromBytes<MessageEntry>(bytes);
        if (!e.unchecked) {
          shown.push(e);
          continue;
        }
        const outcome = await check.entry(e);
        settled.push({ key, bytes, outcome });
        if (outcome.kind === 'ok') shown.push(outcome.shown);
      }
      if (rows.length < want) break;
      cursor = rows[rows.length - 1]![0];
    }
    if (settled.length) void this.host.enqueue(() => this.store(settled, true)).catch((err) => this.host.report(err));
    return shown.reverse();
  }

  /** Check the remaining unchecked entries in the background (soon, unless the conversation is busy). */
  schedule(delayMs = 0): void {
    if (this.timer || this.stopped || this.host.uncheckedCount() <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      // the end of the catch-up schedules again; look again later in case it never ends
      if (this.host.busy()) return this.schedule(BUSY_RETRY_MS);
      void this.host.enqueue(() => this.step()).catch((err) => this.host.report(err));
    }, delayMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /**
   * Check the newest batch now (in the queue: the caller runs there) and the rest in the background:
   * at the end of a catch-up, so that open views show the newest messages by the time it resolves.
   */
  async newestNow(): Promise<void> {
    this.cursor = undefined;
    await this.step();
  }

  /** Start the next background pass from the newest entry (new unchecked entries may lie above the cursor). */
  restart(): void {
    this.cursor = undefined;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One background batch, run in the queue: find up to BATCH unchecked entries below the cursor and check them. */
  private async step(): Promise<void> {
    if (this.stopped || this.host.busy() || this.host.uncheckedCount() <= 0) return;
    const { conv, storage, check } = this.host;
    if (this.cursor === undefined) this.laterInPass = 0;
    const rows = await storage.range(K.msgPrefix(conv), { reverse: true, limit: SCAN, ...(this.cursor !== undefined ? { before: this.cursor } : {}) });
    const settled: Checked[] = [];
    let last: string | undefined;
    for (const [key, bytes] of rows) {
      last = key;
      const e = fromBytes<MessageEntry>(bytes);
      if (!e.unchecked) continue;
      const outcome = await check.entry(e);
      if (outcome.kind === 'later') this.laterInPass++;
      settled.push({ key, bytes, outcome });
      if (settled.length >= BATCH) break;
    }
    const atEnd = rows.length < SCAN && last === rows[rows.length - 1]?.[0];
    this.cursor = atEnd ? undefined : last;
    // storage was not touched by anyone else since the read: this runs in the queue
    await this.store(settled, false, atEnd);
    if (!atEnd) this.schedule();
    else if (this.laterInPass > 0) this.schedule(LATER_MS);
  }

  /**
   * Store outcomes: a verified entry is written without its unchecked part, a bad one deleted and
   * reported. `compare`: only where the stored bytes are still the ones checked (checked outside the
   * queue). `atEnd`: a whole pass found nothing else, so the count of unchecked entries is exact now.
   */
  private async store(settled: Checked[], compare: boolean, atEnd = false): Promise<void> {
    const ops: StorageOp[] = [];
    const shown: MessageEntry[] = [];
    let delta = 0;
    for (const { key, bytes, outcome } of settled) {
      if (outcome.kind === 'later') continue;
      if (compare) {
        const now = await this.host.storage.get(key);
        if (!now || !sameBytes(now, bytes)) continue;
      }
      delta--;
      if (outcome.kind === 'ok') {
        ops.push(putEntryOp(this.host.conv, outcome.shown));
        shown.push(outcome.shown);
      } else {
        ops.push({ type: 'del', key });
        this.host.report(outcome.error);
      }
    }
    if (atEnd) delta = this.laterInPass - this.host.uncheckedCount();
    if (ops.length === 0 && delta === 0) return;
    ops.push(this.host.adjustUnchecked(delta));
    await this.host.storage.batch(ops);
    if (shown.length) this.host.emit(shown);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
