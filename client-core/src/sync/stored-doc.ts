// The conversation document as this device stores it, and as it uploads it. Stored, it is a base
// state plus every update appended since (local and remote alike): loaded once, when first needed,
// and folded into a new base once enough updates pile up, so opening a conversation reads a few
// records rather than its history. Uploaded, it is a snapshot: the whole state sealed under the
// current epoch, which the relay serves instead of the updates before it. When to upload is the
// replica's call (replica.ts).
import { MAX_SNAPSHOT_BYTES, type Up } from '@mekong/schema';
import { sealEnvelope } from '../crypto';
import { ConversationDoc } from '../doc/conversation-doc';
import type { KeyManager } from '../keys/manager';
import type { DeviceSecrets } from '../keys/secrets';
import { K } from '../local/keys';
import type { ConvMembers } from '../membership/tracker';
import type { StorageOp, StoragePort } from '../storage';

/** What a part of the replica needs to seal updates for its conversation, store them and send them. */
export interface SealingHost {
  conv: string;
  storage: StoragePort;
  keys: KeyManager;
  secrets: DeviceSecrets;
  /** Members, epochs and key holders as the verified membership log says. */
  members(): ConvMembers;
  send(frame: Up): boolean;
}

export interface StoredDocHost extends SealingHost {
  /** Compact after this many appended updates (default 500). */
  compactEvery?: number;
  /** The replica state's document and snapshot counters; the replica stores them with the rest of its state. */
  state(): { lastSeq: number; docUpdates: number; compactedAt?: number; sinceSnapshot: number; sinceSnapshotBytes?: number };
  /** Store the replica state. */
  saveState(): Promise<void>;
}

/**
 * @example
 * const stored = new StoredDoc(host);
 * const doc = await stored.load();                          // base + appended updates, once
 * await storage.batch([...stored.append(update), ...more]); // with the writes it belongs to
 * await stored.uploadSnapshot();                            // when the replica says one is due
 */
export class StoredDoc {
  private doc: ConversationDoc | null = null;
  private loading: Promise<ConversationDoc> | null = null;

  constructor(private readonly host: StoredDocHost) {}

  /** Load (or return) the document. */
  async load(): Promise<ConversationDoc> {
    if (this.doc) return this.doc;
    const { conv, storage } = this.host;
    // two callers at once (a view outside the queue and the queue) must get the same document
    this.loading ??= (async () => {
      const doc = new ConversationDoc();
      const base = await storage.get(K.docBase(conv));
      const updates = await storage.range(K.docUpdatesPrefix(conv));
      doc.loadTrusted([...(base ? [base] : []), ...updates.map(([, u]) => u)]);
      this.doc = doc;
      if (updates.length > (this.host.compactEvery ?? 500)) await this.compact();
      return doc;
    })().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** Count `update` as appended; returns the write that stores it (in the caller's batch). */
  append(update: Uint8Array): StorageOp[] {
    const state = this.host.state();
    state.docUpdates++;
    return [{ type: 'put', key: K.docUpdate(this.host.conv, state.docUpdates), value: update }];
  }

  /** Fold the appended updates into a new base if more than `compactEvery` came since the last time. */
  async compactIfDue(): Promise<void> {
    const state = this.host.state();
    if (state.docUpdates - (state.compactedAt ?? 0) > (this.host.compactEvery ?? 500)) await this.compact();
  }

  /**
   * Seal the whole document under the current epoch and put it to the relay as the snapshot at
   * lastSeq; then restart the counts toward the next one, compact if due and store the state.
   * Resolves false when nothing is logged yet, the snapshot is too big, or it could not be sent.
   */
  async uploadSnapshot(): Promise<boolean> {
    const { conv, secrets, keys } = this.host;
    const state = this.host.state();
    const doc = await this.load();
    const { epoch, key } = await keys.current(conv, this.host.members());
    const seq = state.lastSeq;
    if (seq < 1) return false; // nothing logged yet: there is nothing a snapshot could stand for
    const env = sealEnvelope({ kind: 'snapshot', conv, epoch, device: secrets.deviceId, counter: seq }, doc.encodeState(), key, secrets.device.signSecretKey);
    if (env.length > MAX_SNAPSHOT_BYTES) return false; // segmented histories are the remedy; see docs/decisions.md
    if (!this.host.send({ type: 'put-snapshot', conv, seq, envelope: env })) return false;
    state.sinceSnapshot = 0;
    state.sinceSnapshotBytes = 0;
    await this.compactIfDue();
    await this.host.saveState();
    return true;
  }

  /**
   * Drop the document held in memory (not destroyed: a reader may still hold it); the next load()
   * reads it from storage again. For a document that may hold an update whose writes were not stored.
   */
  forget(): void {
    this.doc = null;
  }

  close(): void {
    this.doc?.destroy();
    this.doc = null;
  }

  private async compact(): Promise<void> {
    if (!this.doc) return;
    const { conv, storage } = this.host;
    const state = this.host.state();
    state.compactedAt = state.docUpdates;
    const updates = await storage.range(K.docUpdatesPrefix(conv));
    await storage.batch([
      { type: 'put', key: K.docBase(conv), value: this.doc.encodeState() },
      ...updates.map(([k]) => ({ type: 'del' as const, key: k })),
    ]);
  }
}
