// One conversation on this device: local document, outbox, sequence tracking and gap filling.
// All work for a conversation runs through one queue, so counters, the document and storage
// always change together and in order.
import {
  canonicalMessage,
  ErrorCode,
  isMekongError,
  MAX_SNAPSHOT_BYTES,
  Message,
  MekongError,
  Reaction,
  type Up,
} from '@mekong/schema';
import { fromBase64url, openEnvelope, randomId, readEnvelopeHeader, sealEnvelope, signMessage, toBase64url, verifyMessage } from '../crypto';
import { ConversationDoc, type RemoteChange } from '../doc/conversation-doc';
import type { DeviceDirectory } from '../keys/directory';
import type { KeyManager } from '../keys/manager';
import type { ConvMembers } from '../membership/tracker';
import type { DeviceSecrets } from '../keys/secrets';
import { fromBytes, toBytes } from '../local/json';
import { K, outboxCounter } from '../local/keys';
import type { StorageOp, StoragePort } from '../storage';
import { entryFromMessage, type MessageEntry, putEntryOp, readEntry } from './entries';

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

const TRANSIENT = new Set<string>([ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT, ErrorCode.RATE_LIMITED]);
const PARK = new Set<string>([ErrorCode.UNKNOWN_EPOCH, ErrorCode.UNKNOWN_DEVICE]);

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
  /** unacknowledged local updates; kept in memory so hot paths never scan the outbox */
  private outboxCount = 0;

  private constructor(private readonly deps: ReplicaDeps) {
    const base = deps.snapshotEvery ?? 200;
    this.snapshotEvery = Math.round(base * (0.75 + Math.random() * 0.5));
  }

  static async open(deps: ReplicaDeps): Promise<Replica> {
    const r = new Replica(deps);
    const s = await deps.storage.get(K.convState(deps.info.id));
    if (s) r.state = { ...r.state, ...fromBytes<ReplicaState>(s) };
    r.outboxCount = (await deps.storage.range(K.outboxPrefix(deps.info.id))).length;
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

  /** Create, sign, encrypt and queue a text message. Resolves once it is durable on this device. */
  sendText(text: string, replyTo?: string, kind: 'text' | 'system' = 'text'): Promise<MessageEntry> {
    if (text.trim().length === 0) {
      return Promise.reject(new MekongError(ErrorCode.BAD_REQUEST, 'Type a message before sending.'));
    }
    return this.enqueue(async () => {
      const { secrets } = this.deps;
      const unsigned: Omit<Message, 'sig'> = {
        id: randomId(12),
        author: { user: secrets.userId, device: secrets.deviceId },
        kind,
        body: text,
        sentAt: Math.max(this.deps.now(), (this.state.lastSentAt ?? 0) + 1),
        ...(replyTo ? { replyTo } : {}),
      };
      const sig = toBase64url(signMessage(secrets.device.signSecretKey, canonicalMessage(this.id, unsigned)));
      const msg: Message = { ...unsigned, sig };
      this.state.lastSentAt = msg.sentAt;
      if (!Message.safeParse(msg).success) throw new MekongError(ErrorCode.BAD_REQUEST, 'That message is too long; split it up.');
      const doc = await this.ensureDoc();
      const update = doc.putMessage(msg);
      const entry = entryFromMessage(msg, 'pending');
      await this.pushLocal(update, [entry]);
      return entry;
    }, false);
  }

  /**
   * Replace the text of one of this user's messages. The new version is signed again by this
   * device, so the signature still covers every field. Resolves once it is durable on this device.
   * @throws MekongError NOT_FOUND (no such message), FORBIDDEN (someone else's), BAD_REQUEST (recalled, empty or too long)
   */
  editText(messageId: string, text: string): Promise<MessageEntry> {
    if (text.trim().length === 0) {
      return Promise.reject(new MekongError(ErrorCode.BAD_REQUEST, 'An edited message cannot be empty; recall it instead.'));
    }
    return this.enqueue(async () => {
      const { doc, current, entry, rebuilt } = await this.ownMessage(messageId, 'edit');
      if (current.recalledAt !== undefined) throw new MekongError(ErrorCode.BAD_REQUEST, 'This message was recalled; it can no longer be edited.');
      if (current.body === text && !rebuilt) return entry;
      const { sig: _sig, ...rest } = current as Message;
      const editedAt = Math.max(this.deps.now(), (current.editedAt ?? 0) + 1, current.sentAt);
      return this.putOwn(doc, { ...rest, author: this.author(), body: text, editedAt }, entry);
    }, false);
  }

  /**
   * Recall one of this user's messages for everyone: body and media leave the document (and so
   * the next snapshot); a signed tombstone stays. Recalling twice changes nothing.
   * @throws MekongError NOT_FOUND (no such message), FORBIDDEN (someone else's)
   */
  recall(messageId: string): Promise<MessageEntry> {
    return this.enqueue(async () => {
      const { doc, current, entry, rebuilt } = await this.ownMessage(messageId, 'recall');
      if (current.recalledAt !== undefined && !rebuilt) return entry;
      const { sig: _sig, media: _media, ...rest } = current as Message;
      const recalledAt = Math.max(this.deps.now(), current.sentAt, current.editedAt ?? 0);
      return this.putOwn(doc, { ...rest, author: this.author(), body: '', recalledAt }, entry);
    }, false);
  }

  /**
   * Set this user's reaction to a message (`null` removes it). One reaction per user and
   * message; a later one replaces the earlier. Resolves once it is durable on this device.
   * @throws MekongError NOT_FOUND (no such message), BAD_REQUEST (not one short emoji, or the message was recalled)
   */
  react(messageId: string, emoji: string | null): Promise<MessageEntry | undefined> {
    if (emoji !== null && !Reaction.shape.emoji.safeParse(emoji).success) {
      return Promise.reject(new MekongError(ErrorCode.BAD_REQUEST, 'A reaction is one emoji of at most 32 characters.'));
    }
    return this.enqueue(async () => {
      const doc = await this.ensureDoc();
      const m = doc.message(messageId);
      if (!m) throw new MekongError(ErrorCode.NOT_FOUND, 'No such message in this conversation.', { messageId });
      const me = this.deps.secrets.userId;
      const entry = await readEntry(this.deps.storage, this.id, m.sentAt, m.id);
      if ((doc.reactions(messageId)[me] ?? null) === emoji) return entry;
      if (emoji !== null && m.recalledAt !== undefined) {
        throw new MekongError(ErrorCode.BAD_REQUEST, 'This message was recalled; it takes no new reactions.', { messageId });
      }
      const update = doc.setReaction(messageId, me, emoji === null ? null : { emoji, at: this.deps.now() });
      const next = entry && withReactions(entry, doc.reactions(messageId));
      await this.pushLocal(update, next ? [next] : [], []);
      return next;
    }, false);
  }

  /**
   * Pin or unpin a message. In a group only admins and the owner pin (as the verified log says);
   * in a 1-1 conversation both people do.
   * @throws MekongError NOT_FOUND (no such message), FORBIDDEN (not allowed to pin here)
   */
  pin(messageId: string, pinned: boolean): Promise<void> {
    return this.enqueue(async () => {
      const role = this.deps.members().role(this.deps.secrets.userId);
      if (role !== 'owner' && role !== 'admin') throw new MekongError(ErrorCode.FORBIDDEN, 'Only admins and the owner pin messages in this group.');
      const doc = await this.ensureDoc();
      if (!doc.message(messageId)) throw new MekongError(ErrorCode.NOT_FOUND, 'No such message in this conversation.', { messageId });
      const current = doc.pins().some((p) => p.messageId === messageId);
      if (current === pinned) return;
      await this.pushLocal(doc.setPin(messageId, pinned ? { by: this.deps.secrets.userId, at: this.deps.now() } : null), [], []);
    }, false);
  }

  /** Pinned message ids, newest first, keeping only pins by someone who may pin now (admins and the owner of a group). */
  async pinned(): Promise<string[]> {
    const doc = await this.ensureDoc();
    const members = this.deps.members();
    return doc
      .pins()
      .filter((p) => {
        const role = members.role(p.by);
        return (role === 'owner' || role === 'admin') && doc.message(p.messageId) !== undefined;
      })
      .map((p) => p.messageId);
  }

  /** Move this user's read cursor to the newest message. */
  markRead(): Promise<void> {
    return this.enqueue(async () => {
      const doc = await this.ensureDoc();
      const latest = doc.allMessages().at(-1);
      if (!latest) return;
      const cur = doc.read(this.deps.secrets.userId);
      if (cur && (cur.sentAt > latest.sentAt || cur.messageId === latest.id)) return;
      const update = doc.setRead(this.deps.secrets.userId, { messageId: latest.id, sentAt: latest.sentAt, at: this.deps.now() });
      await this.pushLocal(update, []);
    }, false);
  }

  /** This user's read cursor (sentAt of the newest read message), 0 when none. */
  async readCursor(userId: string): Promise<number> {
    const doc = await this.ensureDoc();
    return doc.read(userId)?.sentAt ?? 0;
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
    void this.enqueue(async () => {
      if (seq <= this.state.lastSeq) return;
      if (kind === 'snapshot') {
        await this.apply(seq, env, 'snapshot');
        for (const s of [...this.pending.keys()]) if (s <= seq) this.pending.delete(s);
        await this.drain();
        return;
      }
      this.pending.set(seq, { env, kind });
      await this.drain();
      if (this.pending.size > 0 && !this.gapRequested) this.requestGapFill();
    });
  }

  onSynced(head: number): void {
    void this.enqueue(async () => {
      this.gapRequested = false;
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
    const doc = new ConversationDoc();
    const base = await this.deps.storage.get(K.docBase(this.id));
    if (base) doc.loadTrusted(base);
    const updates = await this.deps.storage.range(K.docUpdatesPrefix(this.id));
    for (const [, u] of updates) doc.loadTrusted(u);
    this.doc = doc;
    if (updates.length > (this.deps.compactEvery ?? 500)) await this.compact();
    return doc;
  }

  close(): void {
    this.closed = true;
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

  private author(): Message['author'] {
    return { user: this.deps.secrets.userId, device: this.deps.secrets.deviceId };
  }

  /**
   * The version of one of this user's messages to build on: the document's value when it is this
   * user's own signed version of what this device shows, else (someone overwrote it) rebuilt from
   * what this device shows, so a forgery can neither be vouched for nor stop the author.
   */
  private async ownMessage(messageId: string, purpose: 'edit' | 'recall'): Promise<{ doc: ConversationDoc; current: Omit<Message, 'sig'>; entry: MessageEntry; rebuilt: boolean }> {
    const doc = await this.ensureDoc();
    const value = doc.message(messageId);
    const entry = (value && (await readEntry(this.deps.storage, this.id, value.sentAt, value.id))) || (await this.findEntry(messageId));
    if (!entry) throw new MekongError(ErrorCode.NOT_FOUND, 'No such message in this conversation.', { messageId });
    if (entry.author.user !== this.deps.secrets.userId) {
      throw new MekongError(ErrorCode.FORBIDDEN, 'Only its author can edit or recall a message.', { messageId });
    }
    if (value && (await this.isVersionOf(value, entry))) return { doc, current: value, entry, rebuilt: false };
    // the document holds a value someone else wrote: start again from what this device shows
    if (purpose === 'edit' && entry.kind !== 'text') {
      throw new MekongError(ErrorCode.BAD_SIGNATURE, 'Someone overwrote this message; it can only be recalled.', { messageId });
    }
    const rebuilt: Omit<Message, 'sig'> = { id: entry.id, author: entry.author, kind: entry.kind, body: entry.text, sentAt: entry.sentAt };
    if (entry.replyTo !== undefined) rebuilt.replyTo = entry.replyTo;
    if (entry.editedAt !== undefined) rebuilt.editedAt = entry.editedAt;
    if (entry.recalled) rebuilt.recalledAt = Math.max(entry.sentAt, entry.editedAt ?? 0);
    return { doc, current: rebuilt, entry, rebuilt: true };
  }

  /** True when `m` is this user's own signed version of the message this device shows as `entry`. */
  private async isVersionOf(m: Message, entry: MessageEntry): Promise<boolean> {
    if (m.author.user !== entry.author.user || m.sentAt !== entry.sentAt || m.kind !== entry.kind) return false;
    if ((m.editedAt ?? 0) < (entry.editedAt ?? 0) || (entry.recalled && m.recalledAt === undefined)) return false;
    try {
      await this.verifyAuthor(m);
      return true;
    } catch (err) {
      if (!isMekongError(err) || TRANSIENT.has(err.code)) throw err;
      return false;
    }
  }

  /** Find a shown message by id alone (a scan of the index; only needed after someone tampered with the document). */
  private async findEntry(messageId: string): Promise<MessageEntry | undefined> {
    for (const [k, v] of await this.deps.storage.range(K.msgPrefix(this.id))) {
      if (k.endsWith(`.${messageId}`)) {
        const e = fromBytes<MessageEntry>(v);
        if (e.id === messageId) return e;
      }
    }
    return undefined;
  }

  /** Sign a new version of an own message, write it and queue it. The entry keeps its send status. */
  private async putOwn(doc: ConversationDoc, unsigned: Omit<Message, 'sig'>, before: MessageEntry): Promise<MessageEntry> {
    const sig = toBase64url(signMessage(this.deps.secrets.device.signSecretKey, canonicalMessage(this.id, unsigned)));
    const msg: Message = { ...unsigned, sig };
    if (!Message.safeParse(msg).success) throw new MekongError(ErrorCode.BAD_REQUEST, 'That message is too long; split it up.');
    const update = doc.putMessage(msg);
    const entry = entryFromMessage(msg, before.status, doc.reactions(msg.id));
    // the entry turns 'sent' with the ack of the message itself, not of this change
    await this.pushLocal(update, [entry], []);
    return entry;
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

  /** Apply every contiguous update we hold, starting at lastSeq + 1. */
  private async drain(): Promise<void> {
    for (;;) {
      const next = this.state.lastSeq + 1;
      if (this.ownSeqs.delete(next)) {
        this.state.lastSeq = next;
        this.state.sinceSnapshot++;
        await this.deps.storage.put(K.convState(this.id), toBytes(this.state));
        continue;
      }
      const p = this.pending.get(next);
      if (!p) break;
      this.pending.delete(next);
      try {
        await this.apply(next, p.env, p.kind);
      } catch (err) {
        // transient (network while fetching keys): keep it and try again shortly
        this.pending.set(next, p);
        this.scheduleRetry();
        throw err;
      }
    }
    await this.maybeSnapshot();
  }

  private async apply(seq: number, env: Uint8Array, kind: 'update' | 'snapshot'): Promise<void> {
    let entries: MessageEntry[] = [];
    let docOps: StorageOp[] = [];
    try {
      const header = readEnvelopeHeader(env);
      const members = this.deps.members();
      // the sending device must belong to someone who held that epoch, as the verified log says
      const dev = await this.deps.directory.device(header.device, members.holders(header.epoch));
      const key = await this.deps.keys.epochKey(this.id, header.epoch, members);
      const { plaintext } = openEnvelope(env, { kind, conv: this.id, signPublicKey: dev.signPublicKey, epochKey: key });
      if (kind === 'update') this.countEpoch(header.epoch);
      const doc = await this.ensureDoc();
      const change = doc.applyRemote(plaintext, kind);
      docOps = this.appendDocOps(plaintext);
      entries = await this.verifiedEntries(doc, change);
    } catch (err) {
      if (!isMekongError(err) || TRANSIENT.has(err.code)) throw err;
      this.deps.report(err);
      if (PARK.has(err.code)) docOps = [{ type: 'put', key: `parked/${this.id}/${seq}`, value: env }];
    }
    this.state.lastSeq = seq;
    this.state.sinceSnapshot = kind === 'snapshot' ? 0 : this.state.sinceSnapshot + 1;
    this.state.sinceSnapshotBytes = kind === 'snapshot' ? 0 : (this.state.sinceSnapshotBytes ?? 0) + env.length;
    await this.deps.storage.batch([...docOps, ...entries.map((e) => putEntryOp(this.id, e)), this.stateOp()]);
    if (entries.length) this.deps.onEntries(this.id, entries);
  }

  /** Updates we could not open yet (key or device not known then): try again, keep what still fails. */
  private async retryParked(): Promise<void> {
    const parked = await this.deps.storage.range(`parked/${this.id}/`);
    for (const [k, env] of parked) {
      try {
        const header = readEnvelopeHeader(env);
        // a snapshot is parked too (sealed under an epoch not known yet); it was checked to be one
        // when it arrived, and opening it checks the kind again
        const kind = header.kind === 'snapshot' ? 'snapshot' : 'update';
        const members = this.deps.members();
        const dev = await this.deps.directory.device(header.device, members.holders(header.epoch));
        const key = await this.deps.keys.epochKey(this.id, header.epoch, members);
        const { plaintext } = openEnvelope(env, { kind, conv: this.id, signPublicKey: dev.signPublicKey, epochKey: key });
        const doc = await this.ensureDoc();
        const change = doc.applyRemote(plaintext, kind);
        const entries = await this.verifiedEntries(doc, change);
        await this.deps.storage.batch([...this.appendDocOps(plaintext), ...entries.map((e) => putEntryOp(this.id, e)), { type: 'del', key: k }, this.stateOp()]);
        if (entries.length) this.deps.onEntries(this.id, entries);
      } catch (err) {
        if (!isMekongError(err) || TRANSIENT.has(err.code) || PARK.has(err.code)) continue;
        this.deps.report(err);
        await this.deps.storage.delete(k);
      }
    }
  }

  /**
   * Index entries for what a remote change touched. A message is shown only if its author's device
   * signed it, and a new version only if it comes from the same author, keeps what may not change,
   * and is not older than the version shown (a replayed pre-recall value stays refused). Refusals
   * are reported; the entry stays as it was.
   */
  private async verifiedEntries(doc: ConversationDoc, change: RemoteChange): Promise<MessageEntry[]> {
    const out = new Map<string, MessageEntry>();
    for (const id of new Set(change.messages)) {
      const m = doc.message(id);
      const before = Message.safeParse(change.previous.get(id));
      try {
        if (!m) {
          // An absent value is normal for a moment: an edit whose new value waits for an earlier
          // update of its author has already deleted the old one. The entry stays as shown until
          // the new value arrives. Something unreadable in its place is someone's doing.
          if (before.success && doc.hasMessageKey(id)) throw refused(id, 'A message was overwritten with something unreadable; it is still shown as it was.');
          continue;
        }
        await this.verifyAuthor(m);
        const prior = await readEntry(this.deps.storage, this.id, m.sentAt, m.id);
        checkSuccession(m, prior, before.success ? before.data : undefined);
        out.set(id, entryFromMessage(m, 'sent', doc.reactions(id)));
      } catch (err) {
        if (!isMekongError(err) || TRANSIENT.has(err.code)) throw err;
        this.deps.report(err);
      }
    }
    for (const id of new Set(change.reactions)) {
      if (out.has(id)) continue;
      const m = doc.message(id);
      const shown = m && (await readEntry(this.deps.storage, this.id, m.sentAt, m.id));
      if (shown) out.set(id, withReactions(shown, doc.reactions(id)));
    }
    return [...out.values()];
  }

  /** @throws MekongError BAD_SIGNATURE unless the author's own device signed this exact message */
  private async verifyAuthor(m: Message): Promise<void> {
    const dev = await this.deps.directory.device(m.author.device, this.deps.members().ever);
    if (dev.userId !== m.author.user) throw new MekongError(ErrorCode.BAD_SIGNATURE, 'Message author does not own the signing device.');
    const { sig, ...unsigned } = m;
    verifyMessage(dev.signPublicKey, canonicalMessage(this.id, unsigned), fromBase64url(sig));
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

function withReactions(e: MessageEntry, reactions: Record<string, string>): MessageEntry {
  const { reactions: _old, ...rest } = e;
  return Object.keys(reactions).length > 0 ? { ...rest, reactions } : rest;
}

function refused(messageId: string, message: string): MekongError {
  return new MekongError(ErrorCode.FORBIDDEN, message, { messageId });
}

/**
 * A signed message may replace the version shown only as its author's edit or recall: same author,
 * kind, send time and reply, never older than what is shown, never un-recalled.
 * @throws MekongError FORBIDDEN otherwise
 */
function checkSuccession(m: Message, shown: MessageEntry | undefined, before: Message | undefined): void {
  if (shown) {
    if (shown.author.user !== m.author.user) throw refused(m.id, 'Someone other than its author tried to change a message; the change is ignored.');
    if (shown.kind !== m.kind || (shown.replyTo ?? '') !== (m.replyTo ?? '')) {
      throw refused(m.id, 'A change to a message altered what an edit may not; it is ignored.');
    }
    if (shown.recalled && m.recalledAt === undefined) throw refused(m.id, 'A recalled message was sent again; it stays recalled.');
    if ((shown.editedAt ?? 0) > (m.editedAt ?? 0)) throw refused(m.id, 'An older version of a message was sent again; the newer one stays.');
    return;
  }
  // not shown at this send time: a message that was shown elsewhere may not move or change hands
  if (before && (before.author.user !== m.author.user || before.sentAt !== m.sentAt)) {
    throw refused(m.id, 'Someone other than its author tried to change a message; the change is ignored.');
  }
}
