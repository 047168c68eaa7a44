// One conversation on this device: local document, outbox, sequence tracking and gap filling.
// All work for a conversation runs through one queue, so counters, the document and storage
// always change together and in order. What users do to messages lives in message-actions.ts;
// author signatures in author-check.ts (checked on arrival for live updates) and
// deferred-checks.ts (messages applied in bulk: checked before they are shown, or in the background).
import { ErrorCode, isMekongError, MAX_SNAPSHOT_BYTES, MekongError, type Up } from '@mekong/schema';
import { fromBase64url, openEnvelope, readEnvelopeHeader, sealEnvelope, toBase64url } from '../crypto';
import { ConversationDoc } from '../doc/conversation-doc';
import type { DeviceDirectory } from '../keys/directory';
import type { KeyManager } from '../keys/manager';
import type { ConvMembers } from '../membership/tracker';
import type { DeviceSecrets } from '../keys/secrets';
import { fromBytes, toBytes } from '../local/json';
import { K, outboxCounter } from '../local/keys';
import type { StorageOp, StoragePort } from '../storage';
import { AuthorCheck, TRANSIENT } from './author-check';
import { DeferredChecks } from './deferred-checks';
import { type MessageEntry, putEntryOp, readEntry } from './entries';
import { MessageActions } from './message-actions';
import { entriesForChange } from './remote-entries';

export interface ConvInfo {
  id: string;
  kind: 'direct' | 'group';
  /** as the server listed them when last seen; crypto uses the verified log (`ReplicaDeps.members`) */
  members: string[];
  /** groups: the name */
  name?: string;
}

interface ReplicaState {
  lastSeq: number;
  counter: number;
  docUpdates: number;
  sinceSnapshot: number;
  /** value of docUpdates at the last compaction */
  compactedAt?: number;
  /** bytes of updates applied since the last snapshot */
  sinceSnapshotBytes?: number;
  /** send time of this device's newest message: each new one gets a strictly later time, so a fast typist's messages keep their order */
  lastSentAt?: number;
  /** updates seen (sent or received) under the newest epoch: [epoch, count]; drives periodic key rotation */
  epochUse?: [number, number];
  /** index entries stored with their author signature not checked yet (see deferred-checks.ts) */
  unchecked?: number;
}

interface OutboxItem {
  env: string;
  ids: Array<[number, string]>;
}

export interface ReplicaDeps {
  info: ConvInfo;
  /** Members, epochs and key holders as the verified membership log says. */
  members(): ConvMembers;
  storage: StoragePort;
  keys: KeyManager;
  directory: DeviceDirectory;
  secrets: DeviceSecrets;
  send(frame: Up): boolean;
  now(): number;
  onEntries(conv: string, entries: MessageEntry[]): void;
  report(err: unknown): void;
  /** Upload a snapshot after this many applied updates (randomized ±25% to spread uploads). */
  snapshotEvery?: number;
  /** ... or after this many bytes of updates, whichever comes first. Default 512 KiB. */
  snapshotEveryBytes?: number;
  /** Compact the stored document after this many appended updates. */
  compactEvery?: number;
}

const PARK = new Set<string>([ErrorCode.UNKNOWN_EPOCH, ErrorCode.UNKNOWN_DEVICE]);
/** A remote update that adds more messages than this is applied in bulk (signatures checked when shown). */
const BULK_MESSAGES = 16;
/** Longest a catch-up counts as one (bulk apply, background checks and snapshot uploads wait for its end). */
const CATCH_UP_MAX_MS = 60_000;
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

/**
 * @example
 * const r = await Replica.open(deps);
 * r.onOnline();            // subscribe from the last applied seq and resend the outbox
 * await r.sendText('hi');  // durable locally before it returns
 */
export class Replica {
  private state: ReplicaState = { lastSeq: 0, counter: 0, docUpdates: 0, sinceSnapshot: 0 };
  private doc: ConversationDoc | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pending = new Map<number, { env: Uint8Array; kind: 'update' | 'snapshot' }>();
  private readonly ownSeqs = new Set<number>();
  private gapRequested = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly snapshotEvery: number;
  private closed = false;
  /** when this device subscribed and began waiting for `synced` (null: caught up); see `catchingUp` */
  private catchUpSince: number | null = null;
  /** unacknowledged local updates; kept in memory so hot paths never scan the outbox */
  private outboxCount = 0;
  private loadingDoc: Promise<ConversationDoc> | null = null;
  private readonly check: AuthorCheck;
  private readonly checks: DeferredChecks;
  private readonly actions: MessageActions;

  private constructor(private readonly deps: ReplicaDeps) {
    const base = deps.snapshotEvery ?? 200;
    this.snapshotEvery = Math.round(base * (0.75 + Math.random() * 0.5));
    const conv = deps.info.id;
    this.check = new AuthorCheck({ conv, members: () => deps.members(), directory: deps.directory });
    this.checks = new DeferredChecks({
      conv,
      storage: deps.storage,
      check: this.check,
      enqueue: (fn) => this.enqueue(fn),
      uncheckedCount: () => this.state.unchecked ?? 0,
      adjustUnchecked: (delta) => {
        this.adjustUnchecked(delta);
        return this.stateOp();
      },
      busy: () => this.catchingUp,
      emit: (entries) => this.emit(entries),
      report: (err) => deps.report(err),
    });
    this.actions = new MessageActions({
      id: conv,
      storage: deps.storage,
      secrets: deps.secrets,
      now: () => deps.now(),
      members: () => deps.members(),
      check: this.check,
      run: (fn) => this.enqueue(fn, false),
      ensureDoc: () => this.ensureDoc(),
      pushLocal: (update, entries, track) => this.pushLocal(update, entries, track),
      nextSentAt: () => {
        this.state.lastSentAt = Math.max(deps.now(), (this.state.lastSentAt ?? 0) + 1);
        return this.state.lastSentAt;
      },
      shown: (e) => this.settleShown(e),
    });
  }

  static async open(deps: ReplicaDeps): Promise<Replica> {
    const r = new Replica(deps);
    const s = await deps.storage.get(K.convState(deps.info.id));
    if (s) r.state = { ...r.state, ...fromBytes<ReplicaState>(s) };
    r.outboxCount = (await deps.storage.range(K.outboxPrefix(deps.info.id))).length;
    // checks left over from before a restart go on where they stopped
    r.checks.schedule();
    return r;
  }

  get id(): string {
    return this.deps.info.id;
  }
  get lastSeq(): number {
    return this.state.lastSeq;
  }
  get members(): string[] {
    return this.deps.members().current;
  }
  get info(): ConvInfo {
    return this.deps.info;
  }

  /**
   * Subscribed and waiting for `synced`: remote updates are applied in bulk meanwhile. A `synced`
   * that never comes (the subscription failed) stops counting after a while.
   */
  private get catchingUp(): boolean {
    return this.catchUpSince !== null && this.deps.now() - this.catchUpSince < CATCH_UP_MAX_MS;
  }

  /** How many updates this device has seen under `epoch` (counted only for the newest epoch seen). */
  updatesInEpoch(epoch: number): number {
    const [e, n] = this.state.epochUse ?? [0, 0];
    return e === epoch ? n : 0;
  }

  private countEpoch(epoch: number): void {
    const [e, n] = this.state.epochUse ?? [0, 0];
    if (epoch > e) this.state.epochUse = [epoch, 1];
    else if (epoch === e) this.state.epochUse = [e, n + 1];
  }

  /** Try again what could not be opened (the log or keys changed since). */
  retry(): void {
    void this.enqueue(() => this.retryParked());
  }

  /** The relay connection is (re)authenticated: catch up and resend everything unacknowledged. */
  onOnline(): void {
    this.gapRequested = false;
    this.catchUpSince = this.deps.now();
    this.deps.send({ type: 'subscribe', conv: this.id, after: this.state.lastSeq });
    void this.enqueue(() => this.flushOutbox());
  }

  /** Send every unacknowledged update again (duplicates are dropped by the relay). */
  resendOutbox(): void {
    void this.enqueue(() => this.flushOutbox());
  }

  /** Number of local updates not yet acknowledged by the relay. */
  async outboxSize(): Promise<number> {
    return this.outboxCount;
  }

  // ---- what users do to messages: see message-actions.ts for what each one checks and throws ----

  /** Send a text message; resolves once it is durable on this device. */
  sendText(text: string, replyTo?: string, kind: 'text' | 'system' = 'text'): Promise<MessageEntry> {
    return this.actions.sendText(text, replyTo, kind);
  }
  /** Edit one of this user's messages (re-signed). @throws MekongError NOT_FOUND, FORBIDDEN, BAD_REQUEST */
  editText(messageId: string, text: string): Promise<MessageEntry> {
    return this.actions.editText(messageId, text);
  }
  /** Recall one of this user's messages for everyone. @throws MekongError NOT_FOUND, FORBIDDEN */
  recall(messageId: string): Promise<MessageEntry> {
    return this.actions.recall(messageId);
  }
  /** Set (or with `null` remove) this user's reaction. @throws MekongError NOT_FOUND, BAD_REQUEST */
  react(messageId: string, emoji: string | null): Promise<MessageEntry | undefined> {
    return this.actions.react(messageId, emoji);
  }
  /** Pin or unpin a message. @throws MekongError NOT_FOUND, FORBIDDEN */
  pin(messageId: string, pinned: boolean): Promise<void> {
    return this.actions.pin(messageId, pinned);
  }
  /** Pinned message ids, newest first, pinned by someone who may pin now. */
  pinned(): Promise<string[]> {
    return this.actions.pinned();
  }
  /** Entries of the pinned messages, newest pin first, each with its author signature verified. */
  pinnedEntries(): Promise<MessageEntry[]> {
    return this.actions.pinnedEntries();
  }
  /** Move this user's read cursor to the newest message. */
  markRead(): Promise<void> {
    return this.actions.markRead();
  }
  /** A user's read cursor (sentAt of the newest read message), 0 when none. */
  readCursor(userId: string): Promise<number> {
    return this.actions.readCursor(userId);
  }

  /**
   * The newest `limit` messages before `before`, oldest first, as the app may show them: every one
   * has a verified author signature (entries applied in bulk are checked here first; one that fails
   * is left out, dropped from the index and reported).
   * @example const newest = await replica.page(50);
   */
  page(limit: number, before?: { sentAt: number; id: string }): Promise<MessageEntry[]> {
    return this.checks.page(limit, before);
  }

  /** Entries stored unchecked that are still waiting for their author signature check. */
  get uncheckedCount(): number {
    return this.state.unchecked ?? 0;
  }

  onAck(counter: number, seq: number): void {
    void this.enqueue(async () => {
      const key = K.outbox(this.id, counter);
      const raw = await this.deps.storage.get(key);
      const ops: StorageOp[] = [{ type: 'del', key }];
      const changed: MessageEntry[] = [];
      if (raw) {
        this.outboxCount = Math.max(0, this.outboxCount - 1);
        for (const [sentAt, id] of fromBytes<OutboxItem>(raw).ids) {
          const e = await readEntry(this.deps.storage, this.id, sentAt, id);
          if (e && e.status !== 'sent') {
            e.status = 'sent';
            changed.push(e);
            ops.push(putEntryOp(this.id, e));
          }
        }
      }
      if (seq > this.state.lastSeq) this.ownSeqs.add(seq);
      await this.deps.storage.batch(ops);
      if (changed.length) this.deps.onEntries(this.id, changed);
      await this.drain();
    });
  }

  onUpdate(seq: number, env: Uint8Array, kind: 'update' | 'snapshot' = 'update'): void {
    // an update is held at once, so that the first drain in the queue finds every update that has
    // arrived by then and stores them in one batch
    if (kind === 'update' && seq > this.state.lastSeq) this.pending.set(seq, { env, kind });
    void this.enqueue(async () => {
      if (seq <= this.state.lastSeq) return;
      if (kind === 'snapshot') {
        const batch = newBatch();
        try {
          await this.apply(seq, env, 'snapshot', batch);
        } finally {
          await this.flush(batch);
        }
        for (const s of [...this.pending.keys()]) if (s <= seq) this.pending.delete(s);
        await this.drain();
        return;
      }
      await this.drain();
      if (this.pending.size > 0 && !this.gapRequested) this.requestGapFill();
    });
  }

  onSynced(head: number): void {
    void this.enqueue(async () => {
      this.gapRequested = false;
      this.catchUpSince = null;
      // what the catch-up applied unchecked: the newest now, so `synced` finds them shown, the rest after
      await this.checks.newestNow();
      await this.retryParked();
      if (this.state.lastSeq < head && this.pending.size === 0) this.requestGapFill(1000);
      await this.maybeSnapshot();
    });
  }

  /** Resolve once all queued work for this conversation is done. */
  idle(): Promise<void> {
    return this.enqueue(async () => {});
  }

  /** Load (or return) the document; used by views that need more than the index. */
  async ensureDoc(): Promise<ConversationDoc> {
    if (this.doc) return this.doc;
    // two callers at once (a view outside the queue and the queue) must get the same document
    this.loadingDoc ??= (async () => {
      const doc = new ConversationDoc();
      const base = await this.deps.storage.get(K.docBase(this.id));
      const updates = await this.deps.storage.range(K.docUpdatesPrefix(this.id));
      doc.loadTrusted([...(base ? [base] : []), ...updates.map(([, u]) => u)]);
      this.doc = doc;
      if (updates.length > (this.deps.compactEvery ?? 500)) await this.compact();
      return doc;
    })().finally(() => {
      this.loadingDoc = null;
    });
    return this.loadingDoc;
  }

  close(): void {
    this.closed = true;
    this.checks.stop();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.doc?.destroy();
    this.doc = null;
  }

  /**
   * Run `fn` after all work queued before it. Errors of background work (`report`, the default)
   * go to `onProblem`; work a caller awaits passes `report = false`, since the caller gets them.
   */
  private enqueue<T>(fn: () => Promise<T>, report = true): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch((err) => {
      if (report) this.deps.report(err);
    });
    return next;
  }

  private async pushLocal(update: Uint8Array, entries: MessageEntry[], track: MessageEntry[] = entries): Promise<void> {
    const { secrets, keys } = this.deps;
    const { epoch, key } = await keys.current(this.id, this.deps.members());
    const counter = this.state.counter + 1;
    const env = sealEnvelope({ kind: 'update', conv: this.id, epoch, device: secrets.deviceId, counter }, update, key, secrets.device.signSecretKey);
    this.countEpoch(epoch);
    const item: OutboxItem = { env: toBase64url(env), ids: track.map((e) => [e.sentAt, e.id]) };
    this.state.counter = counter;
    const ops: StorageOp[] = [
      { type: 'put', key: K.outbox(this.id, counter), value: toBytes(item) },
      ...this.appendDocOps(update),
      ...entries.map((e) => putEntryOp(this.id, e)),
      this.stateOp(),
    ];
    await this.deps.storage.batch(ops);
    this.outboxCount++;
    if (entries.length) this.deps.onEntries(this.id, entries);
    this.deps.send({ type: 'push', conv: this.id, counter, envelope: env });
  }

  private async flushOutbox(): Promise<void> {
    for (const [k, v] of await this.deps.storage.range(K.outboxPrefix(this.id))) {
      const item = fromBytes<OutboxItem>(v);
      if (!this.deps.send({ type: 'push', conv: this.id, counter: outboxCounter(k), envelope: fromBase64url(item.env) })) return;
    }
  }

  /** Apply every contiguous update we hold, starting at lastSeq + 1, storing their writes in batches. */
  private async drain(): Promise<void> {
    let batch = newBatch();
    try {
      for (;;) {
        const next = this.state.lastSeq + 1;
        if (this.ownSeqs.delete(next)) {
          this.pending.delete(next); // our own update, resent by the relay during a gap fill
          this.state.lastSeq = next;
          this.state.sinceSnapshot++;
          batch.updates++;
          continue;
        }
        const p = this.pending.get(next);
        if (!p) break;
        this.pending.delete(next);
        try {
          await this.apply(next, p.env, p.kind, batch);
        } catch (err) {
          // transient (network while fetching keys): keep it and try again shortly
          this.pending.set(next, p);
          this.scheduleRetry();
          throw err;
        }
        if (batch.updates >= MAX_BATCH_UPDATES) {
          await this.flush(batch);
          batch = newBatch();
        }
      }
    } finally {
      await this.flush(batch);
    }
    await this.maybeSnapshot();
  }

  /** Store what a batch of applied updates wrote, with the replica state, then announce the entries. */
  private async flush(batch: ApplyBatch): Promise<void> {
    if (batch.updates === 0) return;
    batch.updates = 0;
    await this.deps.storage.batch([...batch.ops, this.stateOp()]);
    this.emit(batch.shown);
    if ((this.state.unchecked ?? 0) > 0) this.checks.schedule();
  }

  /**
   * Open, check and apply one remote update into `batch`. A snapshot, an update of many messages, or
   * anything arriving while the conversation catches up is applied in bulk: new messages are indexed
   * with their author signatures unchecked, and checked before they are shown (deferred-checks.ts).
   */
  private async apply(seq: number, env: Uint8Array, kind: 'update' | 'snapshot', batch: ApplyBatch): Promise<void> {
    try {
      const header = readEnvelopeHeader(env);
      const members = this.deps.members();
      // the sending device must belong to someone who held that epoch, as the verified log says
      const dev = await this.deps.directory.device(header.device, members.holders(header.epoch));
      const key = await this.deps.keys.epochKey(this.id, header.epoch, members);
      const { plaintext } = openEnvelope(env, { kind, conv: this.id, signPublicKey: dev.signPublicKey, epochKey: key });
      if (kind === 'update') this.countEpoch(header.epoch);
      await this.applyPlaintext(plaintext, kind, batch);
    } catch (err) {
      if (!isMekongError(err) || TRANSIENT.has(err.code)) throw err;
      this.deps.report(err);
      if (PARK.has(err.code)) batch.ops.push({ type: 'put', key: `parked/${this.id}/${seq}`, value: env });
    }
    this.state.lastSeq = seq;
    this.state.sinceSnapshot = kind === 'snapshot' ? 0 : this.state.sinceSnapshot + 1;
    this.state.sinceSnapshotBytes = kind === 'snapshot' ? 0 : (this.state.sinceSnapshotBytes ?? 0) + env.length;
    batch.updates++;
  }

  /** Apply an opened update to the document and add its document and index writes to `batch`. */
  private async applyPlaintext(plaintext: Uint8Array, kind: 'update' | 'snapshot', batch: ApplyBatch): Promise<void> {
    const doc = await this.ensureDoc();
    const change = doc.applyRemote(plaintext, kind);
    const docOps = this.appendDocOps(plaintext);
    const bulk = kind === 'snapshot' || this.catchingUp || change.messages.length > BULK_MESSAGES;
    const ctx = { conv: this.id, storage: this.deps.storage, check: this.check, report: (e: unknown) => this.deps.report(e), written: batch.written };
    const { entries, deleted, uncheckedDelta } = await entriesForChange(ctx, doc, change, bulk);
    batch.ops.push(...docOps);
    for (const e of entries) {
      const op = putEntryOp(this.id, e);
      batch.ops.push(op);
      batch.written.set(op.key, e);
      if (!e.unchecked) batch.shown.push(e);
    }
    for (const key of deleted) {
      batch.ops.push({ type: 'del', key });
      batch.written.set(key, null);
    }
    if (uncheckedDelta !== 0) {
      this.adjustUnchecked(uncheckedDelta);
      if (uncheckedDelta > 0) this.checks.restart();
    }
  }

  /** Updates we could not open yet (key or device not known then): try again, keep what still fails. */
  private async retryParked(): Promise<void> {
    const parked = await this.deps.storage.range(`parked/${this.id}/`);
    for (const [k, env] of parked) {
      const batch = newBatch();
      try {
        const header = readEnvelopeHeader(env);
        // a snapshot is parked too (sealed under an epoch not known yet); it was checked to be one
        // when it arrived, and opening it checks the kind again
        const kind = header.kind === 'snapshot' ? 'snapshot' : 'update';
        const members = this.deps.members();
        const dev = await this.deps.directory.device(header.device, members.holders(header.epoch));
        const key = await this.deps.keys.epochKey(this.id, header.epoch, members);
        const { plaintext } = openEnvelope(env, { kind, conv: this.id, signPublicKey: dev.signPublicKey, epochKey: key });
        await this.applyPlaintext(plaintext, kind, batch);
        batch.ops.push({ type: 'del', key: k });
        batch.updates++;
        await this.flush(batch);
      } catch (err) {
        if (!isMekongError(err) || TRANSIENT.has(err.code) || PARK.has(err.code)) continue;
        this.deps.report(err);
        await this.deps.storage.delete(k);
      }
    }
  }

  /** Announce entries to the app; entries whose author signature is not checked yet are never among them. */
  private emit(entries: MessageEntry[]): void {
    const shown = entries.filter((e) => !e.unchecked);
    if (shown.length) this.deps.onEntries(this.id, shown);
  }

  private adjustUnchecked(delta: number): void {
    this.state.unchecked = Math.max(0, (this.state.unchecked ?? 0) + delta);
  }

  /** The entry as shown, for work in the queue: one stored unchecked is checked now and the outcome stored. */
  private async settleShown(e: MessageEntry | undefined): Promise<MessageEntry | undefined> {
    if (!e?.unchecked) return e;
    const outcome = await this.check.entry(e);
    if (outcome.kind === 'later') throw new MekongError(ErrorCode.UNAVAILABLE, 'The author of this message could not be looked up; try again.');
    this.adjustUnchecked(-1);
    if (outcome.kind === 'ok') {
      await this.deps.storage.batch([putEntryOp(this.id, outcome.shown), this.stateOp()]);
      this.emit([outcome.shown]);
      return outcome.shown;
    }
    this.deps.report(outcome.error);
    await this.deps.storage.batch([{ type: 'del', key: K.msg(this.id, e.sentAt, e.id) }, this.stateOp()]);
    return undefined;
  }

  private appendDocOps(update: Uint8Array): StorageOp[] {
    this.state.docUpdates++;
    return [{ type: 'put', key: K.docUpdate(this.id, this.state.docUpdates), value: update }];
  }

  private stateOp(): StorageOp {
    return { type: 'put', key: K.convState(this.id), value: toBytes(this.state) };
  }

  private async compact(): Promise<void> {
    if (!this.doc) return;
    this.state.compactedAt = this.state.docUpdates;
    const updates = await this.deps.storage.range(K.docUpdatesPrefix(this.id));
    await this.deps.storage.batch([
      { type: 'put', key: K.docBase(this.id), value: this.doc.encodeState() },
      ...updates.map(([k]) => ({ type: 'del' as const, key: k })),
    ]);
  }

  /**
   * Upload a snapshot of the whole document now, sealed under the current epoch (before a member
   * joins: it is how they read what came before, whose older epochs they hold no key for).
   * Resolves false when offline or when updates are missing locally.
   */
  snapshotNow(): Promise<boolean> {
    return this.enqueue(() => this.maybeSnapshot(true));
  }

  private async maybeSnapshot(force = false): Promise<boolean> {
    const bytesDue = (this.state.sinceSnapshotBytes ?? 0) >= (this.deps.snapshotEveryBytes ?? 512 * 1024);
    if (this.pending.size > 0) return false;
    // while catching up the relay is still sending what this device lacks: upload once caught up
    if (!force && this.catchingUp) return false;
    if (!force && this.state.sinceSnapshot < this.snapshotEvery && !bytesDue) return false;
    if (!force && (await this.outboxSize()) > 0) return false;
    const { secrets, keys } = this.deps;
    const doc = await this.ensureDoc();
    const { epoch, key } = await keys.current(this.id, this.deps.members());
    const seq = this.state.lastSeq;
    if (seq < 1) return false; // nothing logged yet: there is nothing a snapshot could stand for
    const env = sealEnvelope({ kind: 'snapshot', conv: this.id, epoch, device: secrets.deviceId, counter: seq }, doc.encodeState(), key, secrets.device.signSecretKey);
    if (env.length > MAX_SNAPSHOT_BYTES) return false; // segmented histories are the remedy; see docs/decisions.md
    if (!this.deps.send({ type: 'put-snapshot', conv: this.id, seq, envelope: env })) return false;
    this.state.sinceSnapshot = 0;
    this.state.sinceSnapshotBytes = 0;
    if (this.state.docUpdates - (this.state.compactedAt ?? 0) > (this.deps.compactEvery ?? 500)) await this.compact();
    await this.deps.storage.put(K.convState(this.id), toBytes(this.state));
    return true;
  }

  private requestGapFill(delayMs = 0): void {
    this.gapRequested = true;
    const go = () => this.deps.send({ type: 'subscribe', conv: this.id, after: this.state.lastSeq });
    if (delayMs === 0) go();
    else this.scheduleRetry(delayMs);
  }

  private scheduleRetry(delayMs = 2000): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.closed) return;
      this.gapRequested = true;
      this.deps.send({ type: 'subscribe', conv: this.id, after: this.state.lastSeq });
    }, delayMs);
    (this.retryTimer as { unref?: () => void }).unref?.();
  }
}
