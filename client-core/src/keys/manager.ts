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
import type { ConvMembers } from '../membership/tracker';
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
    private readonly report: (err: Error) => void = () => {},
  ) {}

  /** The key of one epoch: local, else fetched from the server; UNKNOWN_EPOCH if nobody shared it. */
  async epochKey(conv: string, epoch: number, members: ConvMembers): Promise<EpochKey> {
    const local = await this.local(conv, epoch);
    if (local) return local;
    await this.fetch(conv, members);
    const again = await this.local(conv, epoch);
    if (again) return again;
    throw new MekongError(ErrorCode.UNKNOWN_EPOCH, 'No key has been shared with this device for that epoch yet.', {
      epoch,
    });
  }

  /**
   * The key new messages use: the key of the log's current epoch. When nobody has shared one
   * yet, this device makes it and seals it for the current members' devices (after a removal,
   * a leave or a rotation). Two members may race; the server keeps the first copy per device,
   * so the key is read back from the server and adopted.
   */
  async current(conv: string, members: ConvMembers): Promise<{ epoch: number; key: EpochKey }> {
    const wanted = members.epoch;
    const pick = async () => (wanted === undefined ? this.latestLocal(conv) : this.exact(conv, wanted));
    let found = await pick();
    if (!found) {
      await this.fetch(conv, members);
      found = await pick();
    }
    if (!found) {
      await this.distribute(conv, wanted ?? 1, generateEpochKey(), members);
      await this.fetch(conv, members);
      found = await pick();
      if (!found) throw new MekongError(ErrorCode.UNKNOWN_EPOCH, 'Could not establish a conversation key; try again.');
    }
    return found;
  }

  /** True when this device holds the key of `epoch`. */
  async has(conv: string, epoch: number): Promise<boolean> {
    return (await this.local(conv, epoch)) !== undefined;
  }

  /** Seal the current key for member devices (of `only` these users, when given) this device has not sealed it for yet. */
  async shareWithNewDevices(conv: string, members: ConvMembers, only?: string[]): Promise<void> {
    const latest = members.epoch === undefined ? await this.latestLocal(conv) : await this.exact(conv, members.epoch);
    if (latest) await this.distribute(conv, latest.epoch, latest.key, members, only);
  }

  /** Fetch and open every key envelope addressed to this device (a new device calls this once). */
  async fetchAll(membersOf: (conv: string) => Promise<ConvMembers | undefined>): Promise<void> {
    const res = await this.api.call<{ envelopes: ServerEnvelope[] }>('GET', '/api/keys');
    const byConv = new Map<string, ServerEnvelope[]>();
    for (const e of res.envelopes) {
      if (!e.conversationId) continue;
      byConv.set(e.conversationId, [...(byConv.get(e.conversationId) ?? []), e]);
    }
    for (const [conv, list] of byConv) {
      const members = await membersOf(conv);
      if (members) await this.open(conv, list, members);
    }
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

  private async exact(conv: string, epoch: number): Promise<{ epoch: number; key: EpochKey } | undefined> {
    const key = await this.local(conv, epoch);
    return key && { epoch, key };
  }

  private async latestLocal(conv: string): Promise<{ epoch: number; key: EpochKey } | undefined> {
    const [hit] = await this.storage.range(K.epochPrefix(conv), { reverse: true, limit: 1 });
    if (!hit) return undefined;
    const epoch = Number(hit[0].slice(hit[0].lastIndexOf('/') + 1));
    return { epoch, key: asEpochKey(hit[1]) };
  }

  private async fetch(conv: string, members: ConvMembers): Promise<void> {
    const res = await this.api.call<{ envelopes: ServerEnvelope[] }>(
      'GET',
      `/api/conversations/${encodeURIComponent(conv)}/keys`,
    );
    await this.open(conv, res.envelopes, members);
  }

  private async open(conv: string, list: ServerEnvelope[], members: ConvMembers): Promise<void> {
    const learned: Array<[number, EpochKey]> = [];
    for (const e of list) {
      if (await this.local(conv, e.epoch)) continue;
      if (members.epoch !== undefined && e.epoch > members.epoch) continue; // the log has not reached it here yet: fetched again later
      try {
        const sealed = fromBase64url(e.data);
        // only a device of someone who held that epoch, as the verified log says, may hand out its key
        const sender = await this.directory.device(peekEpochKeySender(sealed), members.holders(e.epoch));
        const { epoch, key } = openEpochKey(sealed, {
          conv,
          recipientDevice: this.secrets.deviceId,
          recipientBox: { publicKey: this.secrets.device.boxPublicKey, secretKey: this.secrets.device.boxSecretKey },
          senderSignPublicKey: (id) => (id === sender.deviceId ? sender.signPublicKey : undefined),
        });
        if (epoch !== e.epoch) throw new MekongError(ErrorCode.WRONG_CONTEXT, 'A key envelope is labelled with another epoch than it seals.');
        learned.push([epoch, key]);
      } catch (err) {
        if (isMekongError(err) && err.code !== ErrorCode.UNAVAILABLE) {
          this.report(new MekongError(err.code, `Refused a conversation key: ${err.message}`, { conv, epoch: e.epoch }));
        }
        // a key sealed by someone who is not a verified member device is refused, never used
        if (!isMekongError(err) || err.code === ErrorCode.UNAVAILABLE) throw err;
      }
    }
    if (!learned.length) return;
    await this.storage.batch(learned.map(([epoch, key]) => ({ type: 'put' as const, key: K.epochKey(conv, epoch), value: key })));
    for (const [epoch, key] of learned) this.cache.set(`${conv}/${epoch}`, key);
    this.scheduleBackup(conv, learned);
  }

  private async distribute(conv: string, epoch: number, key: EpochKey, members: ConvMembers, only?: string[]): Promise<void> {
    const doneRaw = await this.storage.get(K.sealedFor(conv, epoch));
    const done = new Set<string>(doneRaw ? fromBytes<string[]>(doneRaw) : []);
    const envelopes: Array<{ epoch: number; recipientDevice: string; data: string }> = [];
    const recipients: string[] = [];
    for (const userId of members.current) {
      if (only && !only.includes(userId)) continue;
      const logged = members.identityKey(userId);
      if (logged !== undefined) {
        const pinned = (await this.directory.knownIdentity(userId)) ?? (await this.directory.pinFromLog(userId, logged));
        if (pinned.identityKey !== logged) {
          // the log and this device disagree on who the user is: no key until the safety number is checked
          this.report(new MekongError(ErrorCode.BAD_CERTIFICATE, 'A member’s identity key in the membership log differs from the one this device knows; they get no key until verified.', { conv, userId }));
          continue;
        }
      }
      recipients.push(userId);
    }
    const devices = await this.directory.devicesOfMany(recipients, true);
    for (const userId of recipients) {
      for (const d of devices.get(userId) ?? []) {
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
    for (let i = 0; i < envelopes.length; i += 2000) {
      await this.api.call('POST', `/api/conversations/${encodeURIComponent(conv)}/keys`, { envelopes: envelopes.slice(i, i + 2000) });
    }
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
