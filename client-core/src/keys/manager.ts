// Epoch keys of conversations: find them locally, fetch sealed copies from the server, create the
// first epoch when none exists, share with member devices that lack it, and keep the backup current.
import { ErrorCode, isMekongError, MekongError } from '@mekong/schema';
import {
  asEpochKey,
  type EpochKey,
  fromBase64url,
  generateEpochKey,
  openEpochKey,
  peekEpochKeySender,
  sealEpochKey,
  toBase64url,
} from '../crypto';
import type { ApiClient } from '../http/api';
import { fromBytes, toBytes } from '../local/json';
import { K } from '../local/keys';
import type { StoragePort } from '../storage';
import type { DeviceDirectory } from './directory';
import { type DeviceSecrets, openBackup, sealBackup } from './secrets';

interface ServerEnvelope {
  epoch: number;
  senderDevice: string;
  data: string;
  conversationId?: string;
}

/**
 * Holds this device's view of every conversation's epoch keys.
 * @example
 * const { epoch, key } = await keys.current(convId, memberIds);
 */
export class KeyManager {
  private readonly cache = new Map<string, EpochKey>();
  private backupChain: Promise<void> = Promise.resolve();

  constructor(
    readonly secrets: DeviceSecrets,
    private readonly storage: StoragePort,
    private readonly api: ApiClient,
    private readonly directory: DeviceDirectory,
  ) {}

  /** The key of one epoch: local, else fetched from the server; UNKNOWN_EPOCH if nobody shared it. */
  async epochKey(conv: string, epoch: number, members: string[]): Promise<EpochKey> {
    const local = await this.local(conv, epoch);
    if (local) return local;
    await this.fetch(conv, members);
    const again = await this.local(conv, epoch);
    if (again) return again;
    throw new MekongError(ErrorCode.UNKNOWN_EPOCH, 'No key has been shared with this device for that epoch yet.', {
      epoch,
    });
  }

  /** The newest epoch of a conversation, creating and distributing epoch 1 when there is none. */
  async current(conv: string, members: string[]): Promise<{ epoch: number; key: EpochKey }> {
    let latest = await this.latestLocal(conv);
    if (!latest) {
      await this.fetch(conv, members);
      latest = await this.latestLocal(conv);
    }
    if (!latest) {
      const key = generateEpochKey();
      await this.distribute(conv, 1, key, members);
      // Two members may race to create epoch 1; the server keeps the first copy per device, so
      // read back what was stored for this device and adopt it.
      await this.fetch(conv, members);
      latest = await this.latestLocal(conv);
      if (!latest) throw new MekongError(ErrorCode.UNKNOWN_EPOCH, 'Could not establish a conversation key; try again.');
    }
    return latest;
  }

  /** Seal the current key for member devices this device has not sealed it for yet. */
  async shareWithNewDevices(conv: string, members: string[]): Promise<void> {
    const latest = await this.latestLocal(conv);
    if (latest) await this.distribute(conv, latest.epoch, latest.key, members);
  }

  /** Fetch and open every key envelope addressed to this device (a new device calls this once). */
  async fetchAll(membersOf: (conv: string) => Promise<string[]>): Promise<void> {
    const res = await this.api.call<{ envelopes: ServerEnvelope[] }>('GET', '/api/keys');
    const byConv = new Map<string, ServerEnvelope[]>();
    for (const e of res.envelopes) {
      if (!e.conversationId) continue;
      byConv.set(e.conversationId, [...(byConv.get(e.conversationId) ?? []), e]);
    }
    for (const [conv, list] of byConv) await this.open(conv, list, await membersOf(conv));
  }

  /** Import keys restored from the backup. */
  async importBackup(epochs: Record<string, Record<string, EpochKey>>): Promise<void> {
    const ops = [];
    for (const [conv, m] of Object.entries(epochs)) {
      for (const [e, key] of Object.entries(m)) {
        this.cache.set(`${conv}/${e}`, key);
        ops.push({ type: 'put' as const, key: K.epochKey(conv, Number(e)), value: key });
      }
    }
    if (ops.length) await this.storage.batch(ops);
  }

  private async local(conv: string, epoch: number): Promise<EpochKey | undefined> {
    const hit = this.cache.get(`${conv}/${epoch}`);
    if (hit) return hit;
    const v = await this.storage.get(K.epochKey(conv, epoch));
    if (!v) return undefined;
    const key = asEpochKey(v);
    this.cache.set(`${conv}/${epoch}`, key);
    return key;
  }

  private async latestLocal(conv: string): Promise<{ epoch: number; key: EpochKey } | undefined> {
    const [hit] = await this.storage.range(K.epochPrefix(conv), { reverse: true, limit: 1 });
    if (!hit) return undefined;
    const epoch = Number(hit[0].slice(hit[0].lastIndexOf('/') + 1));
    return { epoch, key: asEpochKey(hit[1]) };
  }

  private async fetch(conv: string, members: string[]): Promise<void> {
    const res = await this.api.call<{ envelopes: ServerEnvelope[] }>(
      'GET',
      `/api/conversations/${encodeURIComponent(conv)}/keys`,
    );
    await this.open(conv, res.envelopes, members);
  }

  private async open(conv: string, list: ServerEnvelope[], members: string[]): Promise<void> {
    const learned: Array<[number, EpochKey]> = [];
    for (const e of list) {
      if (await this.local(conv, e.epoch)) continue;
      try {
        const sealed = fromBase64url(e.data);
        const sender = await this.directory.device(peekEpochKeySender(sealed), members);
        const { epoch, key } = openEpochKey(sealed, {
          conv,
          recipientDevice: this.secrets.deviceId,
          recipientBox: { publicKey: this.secrets.device.boxPublicKey, secretKey: this.secrets.device.boxSecretKey },
          senderSignPublicKey: (id) => (id === sender.deviceId ? sender.signPublicKey : undefined),
        });
        learned.push([epoch, key]);
      } catch (err) {
        // a key sealed by someone who is not a verified member device is refused, never used
        if (!isMekongError(err) || err.code === ErrorCode.UNAVAILABLE) throw err;
      }
    }
    if (!learned.length) return;
    await this.storage.batch(learned.map(([epoch, key]) => ({ type: 'put' as const, key: K.epochKey(conv, epoch), value: key })));
    for (const [epoch, key] of learned) this.cache.set(`${conv}/${epoch}`, key);
    this.scheduleBackup(conv, learned);
  }

  private async distribute(conv: string, epoch: number, key: EpochKey, members: string[]): Promise<void> {
    const doneRaw = await this.storage.get(K.sealedFor(conv, epoch));
    const done = new Set<string>(doneRaw ? fromBytes<string[]>(doneRaw) : []);
    const envelopes: Array<{ epoch: number; recipientDevice: string; data: string }> = [];
    for (const userId of members) {
      for (const d of await this.directory.devicesOf(userId, true)) {
        if (done.has(d.deviceId)) continue;
        const sealed = sealEpochKey({
          conv,
          epoch,
          key,
          recipientDevice: d.deviceId,
          recipientBoxPublicKey: d.boxPublicKey,
          senderDevice: this.secrets.deviceId,
          senderSignSecretKey: this.secrets.device.signSecretKey,
        });
        envelopes.push({ epoch, recipientDevice: d.deviceId, data: toBase64url(sealed) });
      }
    }
    if (!envelopes.length) return;
    await this.api.call('POST', `/api/conversations/${encodeURIComponent(conv)}/keys`, { envelopes });
    for (const e of envelopes) done.add(e.recipientDevice);
    await this.storage.put(K.sealedFor(conv, epoch), toBytes([...done]));
  }

  private scheduleBackup(conv: string, learned: Array<[number, EpochKey]>): void {
    this.backupChain = this.backupChain
      .then(() => this.mergeIntoBackup(conv, learned))
      .catch(() => {
        /* retried on the next key learned; the keys are safe locally meanwhile */
      });
  }

  /** Wait for pending backup writes (tests and logout use it). */
  flushBackup(): Promise<void> {
    return this.backupChain;
  }

  private async mergeIntoBackup(conv: string, learned: Array<[number, EpochKey]>): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await this.api.call<{ version: number; data: string }>('GET', '/api/users/me/backup');
      const contents = openBackup(this.secrets.backupKey, cur.data);
      const m = contents.epochs[conv] ?? {};
      contents.epochs[conv] = m;
      for (const [e, k] of learned) m[String(e)] = k;
      try {
        await this.api.call('PUT', '/api/users/me/backup', {
          expectedVersion: cur.version,
          data: sealBackup(this.secrets.backupKey, contents),
        });
        return;
      } catch (err) {
        if (!isMekongError(err, ErrorCode.CONFLICT)) throw err;
      }
    }
  }
}
