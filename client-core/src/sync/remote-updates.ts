// Remote updates of one conversation, from arrival to storage. Updates are held until they follow
// the last applied sequence number without a gap (a gap is asked for again from the relay's log),
// then opened (sealed under an epoch key and signed by a device of someone who held that epoch, as
// the verified membership log says), applied to the document and the message index, and stored in
// batches together with the replica state; what the index gains is announced once stored. An update
// that cannot be opened yet (its epoch key or device is not known) is parked and tried again when
// the log or keys change. Runs in the replica's queue.
import { ErrorCode, isMekongError, type Up } from '@mekong/schema';
import { type EnvelopeHeader, openEnvelope, readEnvelopeHeader } from '../crypto';
import type { ConversationDoc } from '../doc/conversation-doc';
import type { DeviceDirectory } from '../keys/directory';
import type { KeyManager } from '../keys/manager';
import type { ConvMembers } from '../membership/tracker';
import type { StorageOp, StoragePort } from '../storage';
import { type AuthorCheck, TRANSIENT } from './author-check';
import type { DeferredChecks } from './deferred-checks';
import { type MessageEntry, putEntryOp } from './entries';
import type { PinBoard } from './pins';
import { entriesForChange } from './remote-entries';

const PARK = new Set<string>([ErrorCode.UNKNOWN_EPOCH, ErrorCode.UNKNOWN_DEVICE]);
/** A remote update that adds more messages than this is applied in bulk (signatures checked when shown). */
const BULK_MESSAGES = 16;
/** Most remote updates applied before their writes go to storage in one batch. */
const MAX_BATCH_UPDATES = 256;

/** Writes of several applied updates, stored together in one batch. */
interface ApplyBatch {
  ops: StorageOp[];
  /** checked entries to announce once stored */
  shown: MessageEntry[];
  /** index entries written (null: deleted) so far, so later updates of the batch see them */
  written: Map<string, MessageEntry | null>;
  updates: number;
}

const newBatch = (): ApplyBatch => ({ ops: [], shown: [], written: new Map(), updates: 0 });

export interface RemoteUpdatesHost {
  conv: string;
  storage: StoragePort;
  keys: KeyManager;
  directory: DeviceDirectory;
  /** Members, epochs and key holders as the verified membership log says. */
  members(): ConvMembers;
  check: AuthorCheck;
  /** The pins this device shows: told about every changed pin value. */
  pins: Pick<PinBoard, 'settle'>;
  /** Background author checks: told when entries were stored unchecked. */
  checks: Pick<DeferredChecks, 'schedule' | 'restart'>;
  report(err: unknown): void;
  ensureDoc(): Promise<ConversationDoc>;
  /**
   * Drop the document held in memory; the next ensureDoc loads it from storage. Called when applying
   * an update failed part way: the update may already be in the document while its writes were never
   * stored, and applying it again to that document would change nothing, so nothing would index it.
   */
  forgetDoc(): void;
  /** An update was put aside until its epoch key or sending device is known. */
  parked(): void;
  /** Count a document update as appended; returns the write that stores it. */
  appendDocOps(update: Uint8Array): StorageOp[];
  /** The replica state's sequence counters; the replica stores them with the rest of its state. */
  state(): { lastSeq: number; sinceSnapshot: number; sinceSnapshotBytes?: number; unchecked?: number };
  /** The write that stores the replica state. */
  stateOp(): StorageOp;
  /** Count an update seen under `epoch` (drives key rotation). */
  countEpoch(epoch: number): void;
  /** Change the count of index entries stored unchecked. */
  adjustUnchecked(delta: number): void;
  /** True while the conversation catches up: everything is applied in bulk meanwhile. */
  catchingUp(): boolean;
  /** Announce entries to the app (those not checked yet are left out). */
  emit(entries: MessageEntry[]): void;
  send(frame: Up): boolean;
}

/**
 * @example
 * const remote = new RemoteUpdates(host);
 * remote.subscribe();           // online: the relay sends everything after lastSeq
 * remote.hold(seq, envelope);   // as it arrives
 * await remote.drain();         // in the queue: apply what follows lastSeq, store it
 * remote.requestGap();          // still holding some: ask for the missing ones
 */
export class RemoteUpdates {
  /** updates received and not applied yet, by sequence number */
  private readonly pending = new Map<number, Uint8Array>();
  /** sequence numbers the relay gave this device's own updates: nothing to apply there */
  private readonly ownSeqs = new Set<number>();
  /** a gap fill was asked for and the relay has not caught this device up since */
  private gapRequested = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(private readonly host: RemoteUpdatesHost) {}

  /** How many updates are held, waiting for the ones before them. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Hold a remote update until the updates before it are applied. */
  hold(seq: number, env: Uint8Array): void {
    this.pending.set(seq, env);
  }

  /** Subscribe from lastSeq (on every authenticated connection): the relay sends everything after it. */
  subscribe(): void {
    this.gapRequested = false;
    this.host.send({ type: 'subscribe', conv: this.host.conv, after: this.host.state().lastSeq });
  }

  /** The relay says this device has caught up: a gap noticed from now on is asked for again. */
  caughtUp(): void {
    this.gapRequested = false;
  }

  /** Updates are held behind a gap: ask the relay for what is missing, unless asked already. */
  requestGap(): void {
    if (this.pending.size > 0 && !this.gapRequested) this.requestGapFill();
  }

  /** Caught up short of the relay's `head` with nothing held: ask again in a second. */
  requestBehind(head: number): void {
    if (this.host.state().lastSeq < head && this.pending.size === 0) this.requestGapFill(1000);
  }

  /** Stop asking the relay for anything. */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  /** This device's own update was logged at `seq`: it is already applied here. */
  acked(seq: number): void {
    if (seq > this.host.state().lastSeq) this.ownSeqs.add(seq);
  }

  /** Apply every contiguous update held, starting at lastSeq + 1, storing their writes in batches. */
  async drain(): Promise<void> {
    const state = this.host.state();
    let batch = newBatch();
    let failed = false;
    try {
      for (;;) {
        const next = state.lastSeq + 1;
        if (this.ownSeqs.delete(next)) {
          this.pending.delete(next); // our own update, resent by the relay during a gap fill
          state.lastSeq = next;
          state.sinceSnapshot++;
          batch.updates++;
          continue;
        }
        const env = this.pending.get(next);
        if (!env) break;
        this.pending.delete(next);
        try {
          await this.apply(next, env, 'update', batch);
        } catch (err) {
          // transient (network while fetching keys): keep it and try again shortly
          this.pending.set(next, env);
          this.scheduleRetry();
          failed = true;
          throw err;
        }
        if (batch.updates >= MAX_BATCH_UPDATES) {
          await this.flush(batch);
          batch = newBatch();
        }
      }
    } finally {
      await this.flush(batch);
      // after the flush: the document loaded next holds what the batch stored, and not the failed update
      if (failed) this.host.forgetDoc();
    }
  }

  /** Apply and store a snapshot logged at `seq`; the updates held up to it are covered by it. */
  async applySnapshot(seq: number, env: Uint8Array): Promise<void> {
    const batch = newBatch();
    try {
      await this.apply(seq, env, 'snapshot', batch);
    } catch (err) {
      this.host.forgetDoc();
      throw err;
    } finally {
      await this.flush(batch);
    }
    for (const s of [...this.pending.keys()]) if (s <= seq) this.pending.delete(s);
  }

  /** Updates we could not open yet (key or device not known then): try again, keep what still fails. */
  async retryParked(): Promise<void> {
    const { conv, storage } = this.host;
    const parked = await storage.range(`parked/${conv}/`);
    for (const [k, env] of parked) {
      const batch = newBatch();
      try {
        const header = readEnvelopeHeader(env);
        // a snapshot is parked too (sealed under an epoch not known yet); it was checked to be one
        // when it arrived, and opening it checks the kind again
        const kind = header.kind === 'snapshot' ? 'snapshot' : 'update';
        const plaintext = await this.open(env, header, kind);
        await this.applyPlaintext(plaintext, kind, batch);
        batch.ops.push({ type: 'del', key: k });
        batch.updates++;
        await this.flush(batch);
      } catch (err) {
        // it may be in the document already, without its writes: it must apply again next time
        this.host.forgetDoc();
        if (!isMekongError(err) || TRANSIENT.has(err.code) || PARK.has(err.code)) continue;
        this.host.report(err);
        await storage.delete(k);
      }
    }
  }

  private requestGapFill(delayMs = 0): void {
    this.gapRequested = true;
    const go = () => this.host.send({ type: 'subscribe', conv: this.host.conv, after: this.host.state().lastSeq });
    if (delayMs === 0) go();
    else this.scheduleRetry(delayMs);
  }

  private scheduleRetry(delayMs = 2000): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.closed) return;
      this.gapRequested = true;
      this.host.send({ type: 'subscribe', conv: this.host.conv, after: this.host.state().lastSeq });
    }, delayMs);
    (this.retryTimer as { unref?: () => void }).unref?.();
  }

  /** Store what a batch of applied updates wrote, with the replica state, then announce the entries. */
  private async flush(batch: ApplyBatch): Promise<void> {
    if (batch.updates === 0) return;
    batch.updates = 0;
    await this.host.storage.batch([...batch.ops, this.host.stateOp()]);
    this.host.emit(batch.shown);
    if ((this.host.state().unchecked ?? 0) > 0) this.host.checks.schedule();
  }

  /**
   * Open, check and apply one remote update into `batch`. A snapshot, an update of many messages, or
   * anything arriving while the conversation catches up is applied in bulk: new messages are indexed
   * with their author signatures unchecked, and checked before they are shown (deferred-checks.ts).
   */
  private async apply(seq: number, env: Uint8Array, kind: 'update' | 'snapshot', batch: ApplyBatch): Promise<void> {
    try {
      const header = readEnvelopeHeader(env);
      const plaintext = await this.open(env, header, kind);
      if (kind === 'update') this.host.countEpoch(header.epoch);
      await this.applyPlaintext(plaintext, kind, batch);
    } catch (err) {
      if (!isMekongError(err) || TRANSIENT.has(err.code)) throw err;
      this.host.report(err);
      if (PARK.has(err.code)) {
        batch.ops.push({ type: 'put', key: `parked/${this.host.conv}/${seq}`, value: env });
        this.host.parked();
      }
    }
    const state = this.host.state();
    state.lastSeq = seq;
    state.sinceSnapshot = kind === 'snapshot' ? 0 : state.sinceSnapshot + 1;
    state.sinceSnapshotBytes = kind === 'snapshot' ? 0 : (state.sinceSnapshotBytes ?? 0) + env.length;
    batch.updates++;
  }

  /** The plaintext of an envelope, once its sender is known to have held its epoch. */
  private async open(env: Uint8Array, header: EnvelopeHeader, kind: 'update' | 'snapshot'): Promise<Uint8Array> {
    const { conv, directory, keys } = this.host;
    const members = this.host.members();
    // the sending device must belong to someone who held that epoch, as the verified log says
    const dev = await directory.device(header.device, members.holders(header.epoch));
    const key = await keys.epochKey(conv, header.epoch, members);
    return openEnvelope(env, { kind, conv, signPublicKey: dev.signPublicKey, epochKey: key }).plaintext;
  }

  /** Apply an opened update to the document and add its document and index writes to `batch`. */
  private async applyPlaintext(plaintext: Uint8Array, kind: 'update' | 'snapshot', batch: ApplyBatch): Promise<void> {
    const { conv, storage, check } = this.host;
    const doc = await this.host.ensureDoc();
    const change = doc.applyRemote(plaintext, kind);
    const docOps = this.host.appendDocOps(plaintext);
    const bulk = kind === 'snapshot' || this.host.catchingUp() || change.messages.length > BULK_MESSAGES;
    const ctx = { conv, storage, check, report: (e: unknown) => this.host.report(e), written: batch.written };
    const { entries, deleted, uncheckedDelta } = await entriesForChange(ctx, doc, change, bulk);
    batch.ops.push(...docOps);
    // pin values are taken in as they arrive, so that a later forged delete finds them kept
    const pinsOp = change.pins.length > 0 ? await this.host.pins.settle(doc, change.pins) : undefined;
    if (pinsOp) batch.ops.push(pinsOp);
    for (const e of entries) {
      const op = putEntryOp(conv, e);
      batch.ops.push(op);
      batch.written.set(op.key, e);
      if (!e.unchecked) batch.shown.push(e);
    }
    for (const key of deleted) {
      batch.ops.push({ type: 'del', key });
      batch.written.set(key, null);
    }
    if (uncheckedDelta !== 0) {
      this.host.adjustUnchecked(uncheckedDelta);
      if (uncheckedDelta > 0) this.host.checks.restart();
    }
  }
}
