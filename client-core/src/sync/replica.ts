// One conversation on this device: its state, its queue, its subscription to the relay (catch-up and
// gap filling) and snapshot uploads. All work for a conversation runs through one queue, so counters,
// the document and storage always change together and in order. The parts live beside it:
// remote-updates.ts applies what the relay sends, outbox.ts keeps local updates until acknowledged,
// stored-doc.ts loads and compacts the stored document; what users do to messages lives in
// message-actions.ts; author signatures in author-check.ts (checked on arrival for live updates) and
// deferred-checks.ts (messages applied in bulk: checked before they are shown, or in the background).
import type { Up } from '@mekong/schema';
import type { ConversationDoc } from '../doc/conversation-doc';
import type { DeviceDirectory } from '../keys/directory';
import type { KeyManager } from '../keys/manager';
import type { ConvMembers } from '../membership/tracker';
import type { DeviceSecrets } from '../keys/secrets';
import { fromBytes, toBytes } from '../local/json';
import { K } from '../local/keys';
import type { StorageOp, StoragePort } from '../storage';
import { AuthorCheck } from './author-check';
import { DeferredChecks } from './deferred-checks';
import type { MessageEntry } from './entries';
import { MessageActions } from './message-actions';
import { Outbox } from './outbox';
import { PinBoard } from './pins';
import { RemoteUpdates } from './remote-updates';
import { StoredDoc } from './stored-doc';

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
  /**
   * An update was put aside because its epoch key or its sending device is not known here: the
   * conversation's membership log or keys have likely moved on (a member added, a rotation).
   * Re-read them; `retry()` then opens what was put aside.
   */
  onParked?(): void;
  /** Upload a snapshot after this many applied updates (randomized ±25% to spread uploads). */
  snapshotEvery?: number;
  /** ... or after this many bytes of updates, whichever comes first. Default 512 KiB. */
  snapshotEveryBytes?: number;
  /** Compact the stored document after this many appended updates. */
  compactEvery?: number;
}

/** Longest a catch-up counts as one (bulk apply, background checks and snapshot uploads wait for its end). */
const CATCH_UP_MAX_MS = 60_000;

/**
 * @example
 * const r = await Replica.open(deps);
 * r.onOnline();            // subscribe from the last applied seq and resend the outbox
 * await r.sendText('hi');  // durable locally before it returns
 */
export class Replica {
  private state: ReplicaState = { lastSeq: 0, counter: 0, docUpdates: 0, sinceSnapshot: 0 };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly snapshotEvery: number;
  /** when this device subscribed and began waiting for `synced` (null: caught up); see `catchingUp` */
  private catchUpSince: number | null = null;
  private readonly stored: StoredDoc;
  private readonly outbox: Outbox;
  private readonly remote: RemoteUpdates;
  private readonly check: AuthorCheck;
  private readonly checks: DeferredChecks;
  private readonly actions: MessageActions;

  private constructor(private readonly deps: ReplicaDeps) {
    const base = deps.snapshotEvery ?? 200;
    this.snapshotEvery = Math.round(base * (0.75 + Math.random() * 0.5));
    const conv = deps.info.id;
    // what several parts work with: the conversation, its storage and keys, the replica state
    const shared = {
      conv,
      storage: deps.storage,
      keys: deps.keys,
      members: () => deps.members(),
      send: (frame: Up) => deps.send(frame),
      state: () => this.state,
    };
    this.stored = new StoredDoc({
      ...shared,
      secrets: deps.secrets,
      compactEvery: deps.compactEvery,
      saveState: () => deps.storage.put(K.convState(conv), toBytes(this.state)),
    });
    this.check = new AuthorCheck({ conv, members: () => deps.members(), directory: deps.directory, report: (err) => deps.report(err) });
    const pins = new PinBoard({ conv, storage: deps.storage, check: this.check, members: () => deps.members() });
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
      pins,
      run: (fn) => this.enqueue(fn, false),
      ensureDoc: () => this.ensureDoc(),
      pushLocal: (update, entries, track) => this.outbox.push(update, entries, track),
      nextSentAt: () => {
        this.state.lastSentAt = Math.max(deps.now(), (this.state.lastSentAt ?? 0) + 1);
        return this.state.lastSentAt;
      },
      shown: (e) => this.checks.settle(e),
    });
    // the outbox and the remote updates both seal or open updates and store them with the state
    const updates = {
      ...shared,
      stateOp: () => this.stateOp(),
      countEpoch: (epoch: number) => this.countEpoch(epoch),
      appendDocOps: (update: Uint8Array) => this.stored.append(update),
    };
    this.outbox = new Outbox({ ...updates, secrets: deps.secrets, onEntries: (c, entries) => deps.onEntries(c, entries) });
    this.remote = new RemoteUpdates({
      ...updates,
      directory: deps.directory,
      check: this.check,
      pins,
      checks: this.checks,
      report: (err) => deps.report(err),
      ensureDoc: () => this.ensureDoc(),
      forgetDoc: () => this.stored.forget(),
      parked: () => deps.onParked?.(),
      adjustUnchecked: (delta) => this.adjustUnchecked(delta),
      catchingUp: () => this.catchingUp,
      emit: (entries) => this.emit(entries),
    });
  }

  static async open(deps: ReplicaDeps): Promise<Replica> {
    const r = new Replica(deps);
    const s = await deps.storage.get(K.convState(deps.info.id));
    if (s) r.state = { ...r.state, ...fromBytes<ReplicaState>(s) };
    await r.outbox.load();
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
    void this.enqueue(() => this.remote.retryParked());
  }

  /** The relay connection is (re)authenticated: catch up and resend everything unacknowledged. */
  onOnline(): void {
    this.catchUpSince = this.deps.now();
    this.remote.subscribe();
    void this.enqueue(() => this.outbox.resend());
  }

  /** Send every unacknowledged update again (duplicates are dropped by the relay). */
  resendOutbox(): void {
    void this.enqueue(() => this.outbox.resend());
  }

  /** Number of local updates not yet acknowledged by the relay. */
  async outboxSize(): Promise<number> {
    return this.outbox.size;
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
  /** Pinned message ids, newest first: signed by a device of someone who may pin now. */
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
      const { ops, sent } = await this.outbox.ack(counter);
      this.remote.acked(seq);
      await this.deps.storage.batch(ops);
      if (sent.length) this.deps.onEntries(this.id, sent);
      await this.drain();
    });
  }

  onUpdate(seq: number, env: Uint8Array, kind: 'update' | 'snapshot' = 'update'): void {
    // an update is held at once, so that the first drain in the queue finds every update that has
    // arrived by then and stores them in one batch
    if (kind === 'update' && seq > this.state.lastSeq) this.remote.hold(seq, env);
    void this.enqueue(async () => {
      if (seq <= this.state.lastSeq) return;
      if (kind === 'snapshot') {
        await this.remote.applySnapshot(seq, env);
        await this.drain();
        return;
      }
      await this.drain();
      this.remote.requestGap();
    });
  }

  onSynced(head: number): void {
    void this.enqueue(async () => {
      this.remote.caughtUp();
      this.catchUpSince = null;
      // what the catch-up applied unchecked: the newest now, so `synced` finds them shown, the rest after
      await this.checks.newestNow();
      await this.remote.retryParked();
      this.remote.requestBehind(head);
      await this.maybeSnapshot();
    });
  }

  /** Resolve once all queued work for this conversation is done. */
  idle(): Promise<void> {
    return this.enqueue(async () => {});
  }

  /** Load (or return) the document; used by views that need more than the index. */
  ensureDoc(): Promise<ConversationDoc> {
    return this.stored.load();
  }

  close(): void {
    this.remote.close();
    this.checks.stop();
    this.stored.close();
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

  /** Apply the remote updates that follow lastSeq, then upload a snapshot if one is due. */
  private async drain(): Promise<void> {
    await this.remote.drain();
    await this.maybeSnapshot();
  }

  /** Announce entries to the app; entries whose author signature is not checked yet are never among them. */
  private emit(entries: MessageEntry[]): void {
    const shown = entries.filter((e) => !e.unchecked);
    if (shown.length) this.deps.onEntries(this.id, shown);
  }

  private adjustUnchecked(delta: number): void {
    this.state.unchecked = Math.max(0, (this.state.unchecked ?? 0) + delta);
  }

  private stateOp(): StorageOp {
    return { type: 'put', key: K.convState(this.id), value: toBytes(this.state) };
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
    if (this.remote.waiting > 0) return false;
    // while catching up the relay is still sending what this device lacks: upload once caught up
    if (!force && this.catchingUp) return false;
    if (!force && this.state.sinceSnapshot < this.snapshotEvery && !bytesDue) return false;
    if (!force && (await this.outboxSize()) > 0) return false;
    return this.stored.uploadSnapshot();
  }
}
