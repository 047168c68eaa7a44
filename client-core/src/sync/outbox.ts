// Local updates until the relay acknowledges them. Each is sealed under the current epoch with the
// next device counter, stored in the outbox in the same batch as the document and index writes it
// belongs to, then sent; it is sent again after every reconnect (the relay drops duplicates by
// device and counter) and removed once acknowledged, which marks its messages sent.
import { fromBase64url, sealEnvelope, toBase64url } from '../crypto';
import { fromBytes, toBytes } from '../local/json';
import { K, outboxCounter } from '../local/keys';
import type { StorageOp } from '../storage';
import { type MessageEntry, putEntryOp, readEntry } from './entries';
import type { SealingHost } from './stored-doc';

/** One stored outbox item: the sealed update and the messages it carries (`[sentAt, id]`). */
interface OutboxItem {
  env: string;
  ids: Array<[number, string]>;
}

export interface OutboxHost extends SealingHost {
  onEntries(conv: string, entries: MessageEntry[]): void;
  /** The replica state's device counter; the replica stores it with the rest of its state. */
  state(): { counter: number };
  /** Count an update seen under `epoch` (drives key rotation). */
  countEpoch(epoch: number): void;
  /** Count a document update as appended; returns the write that stores it. */
  appendDocOps(update: Uint8Array): StorageOp[];
  /** The write that stores the replica state. */
  stateOp(): StorageOp;
}

/**
 * @example
 * const outbox = new Outbox(host);
 * await outbox.load();                  // count what a previous run left unacknowledged
 * await outbox.push(update, [entry]);   // durable here, then sent
 * const { ops, sent } = await outbox.ack(counter);
 */
export class Outbox {
  /** unacknowledged local updates; kept in memory so hot paths never scan the outbox */
  private count = 0;

  constructor(private readonly host: OutboxHost) {}

  /** Number of local updates not yet acknowledged by the relay. */
  get size(): number {
    return this.count;
  }

  /** Count the items stored by an earlier run. */
  async load(): Promise<void> {
    this.count = (await this.host.storage.range(K.outboxPrefix(this.host.conv))).length;
  }

  /**
   * Seal a local update and store it in the outbox, with its document write, the index entries it
   * changes and the replica state, in one batch; then announce `entries` and send it. The messages
   * in `track` are marked sent once the relay acknowledges it.
   */
  async push(update: Uint8Array, entries: MessageEntry[], track: MessageEntry[] = entries): Promise<void> {
    const { conv, secrets, keys } = this.host;
    const state = this.host.state();
    const { epoch, key } = await keys.current(conv, this.host.members());
    const counter = state.counter + 1;
    const env = sealEnvelope({ kind: 'update', conv, epoch, device: secrets.deviceId, counter }, update, key, secrets.device.signSecretKey);
    this.host.countEpoch(epoch);
    const item: OutboxItem = { env: toBase64url(env), ids: track.map((e) => [e.sentAt, e.id]) };
    state.counter = counter;
    const ops: StorageOp[] = [
      { type: 'put', key: K.outbox(conv, counter), value: toBytes(item) },
      ...this.host.appendDocOps(update),
      ...entries.map((e) => putEntryOp(conv, e)),
      this.host.stateOp(),
    ];
    await this.host.storage.batch(ops);
    this.count++;
    if (entries.length) this.host.onEntries(conv, entries);
    this.host.send({ type: 'push', conv, counter, envelope: env });
  }

  /** Send every stored item again, oldest first, until the connection refuses one. */
  async resend(): Promise<void> {
    const { conv } = this.host;
    for (const [k, v] of await this.host.storage.range(K.outboxPrefix(conv))) {
      const item = fromBytes<OutboxItem>(v);
      if (!this.host.send({ type: 'push', conv, counter: outboxCounter(k), envelope: fromBase64url(item.env) })) return;
    }
  }

  /**
   * What the relay's acknowledgement of `counter` writes: the item removed and its messages marked
   * sent. The caller stores `ops`, then announces `sent`.
   */
  async ack(counter: number): Promise<{ ops: StorageOp[]; sent: MessageEntry[] }> {
    const { conv, storage } = this.host;
    const key = K.outbox(conv, counter);
    const raw = await storage.get(key);
    const ops: StorageOp[] = [{ type: 'del', key }];
    const sent: MessageEntry[] = [];
    if (raw) {
      this.count = Math.max(0, this.count - 1);
      for (const [sentAt, id] of fromBytes<OutboxItem>(raw).ids) {
        const e = await readEntry(storage, conv, sentAt, id);
        if (e && e.status !== 'sent') {
          e.status = 'sent';
          sent.push(e);
          ops.push(putEntryOp(conv, e));
        }
      }
    }
    return { ops, sent };
  }
}
