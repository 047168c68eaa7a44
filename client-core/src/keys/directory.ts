// Verified device keys of other users. A device counts only if its certificate verifies against
// its user's identity key, and that identity key is pinned on first sight (a change is flagged).
import { ErrorCode, MekongError } from '@mekong/schema';
import {
  asSigningPublicKey,
  type BoxPublicKey,
  decodeDeviceCertificate,
  fromBase64url,
  type SigningPublicKey,
  verifyDeviceCertificate,
} from '../crypto';
import type { ApiClient, ApiDevice, ApiProfile } from '../http/api';
import { fromBytes, toBytes } from '../local/json';
import { K } from '../local/keys';
import type { StoragePort } from '../storage';

export interface VerifiedDevice {
  deviceId: string;
  userId: string;
  signPublicKey: SigningPublicKey;
  boxPublicKey: BoxPublicKey;
}

export interface PinnedIdentity {
  identityKey: string;
  username: string;
  displayName: string;
  /** set when the server later presented a different identity key for this user */
  changedTo?: string;
  /** the identity key the user confirmed in person (by comparing safety numbers) */
  verifiedKey?: string;
}

/**
 * Looks up and verifies device keys; caches them in memory.
 * @example
 * const dev = await directory.device('dev123', ['alice-id', 'bob-id']);
 */
export class DeviceDirectory {
  private readonly byDevice = new Map<string, VerifiedDevice>();
  private readonly byUser = new Map<string, VerifiedDevice[]>();
  private readonly loading = new Map<string, Promise<VerifiedDevice[]>>();

  private readonly flagged = new Set<string>();

  constructor(
    private readonly api: ApiClient,
    private readonly storage: StoragePort,
    /** told once per device the server lists but whose certificate does not verify */
    private readonly report: (err: Error) => void = () => {},
  ) {}

  /** Pinned identity and profile of a user (fetched and pinned on first use). */
  async identity(userId: string): Promise<PinnedIdentity> {
    const stored = await this.storage.get(K.identities(userId));
    if (stored) {
      const rec = fromBytes<PinnedIdentity>(stored);
      if (rec.username) return rec;
    }
    // never seen, or pinned from a membership log without a profile yet: the first key stays pinned
    const p = await this.api.call<ApiProfile>('GET', `/api/users/${encodeURIComponent(userId)}`);
    return this.pin(p);
  }

  /** Record a profile seen from the server; the first identity key seen for a user is kept. */
  async pin(p: ApiProfile): Promise<PinnedIdentity> {
    const stored = await this.storage.get(K.identities(p.id));
    let rec: PinnedIdentity;
    if (stored) {
      rec = fromBytes<PinnedIdentity>(stored);
      rec.username = p.username;
      rec.displayName = p.displayName;
      if (p.identityKey !== rec.identityKey) rec.changedTo = p.identityKey;
    } else {
      rec = { identityKey: p.identityKey, username: p.username, displayName: p.displayName };
    }
    await this.storage.put(K.identities(p.id), toBytes(rec));
    return rec;
  }

  /** Accept the key the server presents now as this user's identity, after an in-person check. */
  async markVerified(userId: string): Promise<PinnedIdentity> {
    const rec = await this.identity(userId);
    const current = rec.changedTo ?? rec.identityKey;
    const next: PinnedIdentity = { identityKey: current, username: rec.username, displayName: rec.displayName, verifiedKey: current };
    await this.storage.put(K.identities(userId), toBytes(next));
    this.byUser.delete(userId);
    return next;
  }

  /** Current (not retired) verified devices of a user; `refresh` forces a round trip. */
  async devicesOf(userId: string, refresh = false): Promise<VerifiedDevice[]> {
    const cached = this.byUser.get(userId);
    if (cached && !refresh) return cached;
    await this.load(userId);
    return this.byUser.get(userId) ?? [];
  }

  /** A verified device among the given users; refreshes once before giving up with UNKNOWN_DEVICE. */
  async device(deviceId: string, candidates: string[]): Promise<VerifiedDevice> {
    const hit = this.byDevice.get(deviceId);
    if (hit && candidates.includes(hit.userId)) return hit;
    for (const u of candidates) {
      // retired devices count here: what they signed before retirement still verifies
      const list = await this.load(u);
      const d = list.find((x) => x.deviceId === deviceId);
      if (d) return d;
    }
    throw new MekongError(ErrorCode.UNKNOWN_DEVICE, 'A device that is not a verified device of a member sent data.', {
      deviceId,
    });
  }

  /** Cache our own verified device so local lookups need no round trip. */
  remember(d: VerifiedDevice): void {
    this.byDevice.set(d.deviceId, d);
  }

  /**
   * Current verified devices of many users in one round trip per 1,000 (a group's members);
   * `refresh` skips the cache.
   */
  async devicesOfMany(userIds: string[], refresh = false): Promise<Map<string, VerifiedDevice[]>> {
    const out = new Map<string, VerifiedDevice[]>();
    const need: string[] = [];
    for (const u of new Set(userIds)) {
      const hit = this.byUser.get(u);
      if (hit && !refresh) out.set(u, hit);
      else need.push(u);
    }
    for (let i = 0; i < need.length; i += 1000) {
      const chunk = need.slice(i, i + 1000);
      const res = await this.api.call<{ users: Array<{ userId: string; devices: ApiDevice[] }> }>('POST', '/api/users/devices', { userIds: chunk });
      const listed = new Map(res.users.map((u) => [u.userId, u.devices]));
      for (const u of chunk) out.set(u, await this.verify(u, listed.get(u) ?? []));
    }
    return out;
  }

  /** The pinned identity, or undefined when this device has never seen the user. */
  async knownIdentity(userId: string): Promise<PinnedIdentity | undefined> {
    const stored = await this.storage.get(K.identities(userId));
    return stored ? fromBytes<PinnedIdentity>(stored) : undefined;
  }

  /**
   * Pin the identity key a verified membership log names for a user this device has never seen
   * (an admin put it there, signed). The profile fields are filled in on first lookup.
   */
  async pinFromLog(userId: string, identityKey: string): Promise<PinnedIdentity> {
    const known = await this.knownIdentity(userId);
    if (known) return known;
    const rec: PinnedIdentity = { identityKey, username: '', displayName: '' };
    await this.storage.put(K.identities(userId), toBytes(rec));
    return rec;
  }

  /** Every verified device of the user, retired ones included; one request at a time per user. */
  private load(userId: string): Promise<VerifiedDevice[]> {
    let p = this.loading.get(userId);
    if (!p) {
      p = this.api
        .call<{ devices: ApiDevice[] }>('GET', `/api/users/${encodeURIComponent(userId)}/devices?retired=1`)
        .then((res) => this.verify(userId, res.devices))
        .finally(() => this.loading.delete(userId));
      this.loading.set(userId, p);
    }
    return p;
  }

  private async verify(userId: string, devices: ApiDevice[]): Promise<VerifiedDevice[]> {
    const ident = await this.identity(userId);
    const identityKey = asSigningPublicKey(fromBase64url(ident.identityKey));
    const out: VerifiedDevice[] = [];
    const active: VerifiedDevice[] = [];
    for (const d of devices) {
      try {
        const cert = decodeDeviceCertificate(fromBase64url(d.certificate));
        verifyDeviceCertificate(identityKey, cert);
        if (cert.userId !== userId || cert.deviceId !== d.id) throw new MekongError(ErrorCode.BAD_CERTIFICATE, 'certificate of another device');
        const v = { deviceId: d.id, userId, signPublicKey: cert.signPublicKey, boxPublicKey: cert.boxPublicKey };
        out.push(v);
        this.byDevice.set(d.id, v);
        if (d.revokedAt == null) active.push(v);
      } catch {
        // a device whose certificate does not verify is ignored: it gets no keys and its data is refused
        if (!this.flagged.has(d.id)) {
          this.flagged.add(d.id);
          this.report(new MekongError(ErrorCode.BAD_CERTIFICATE, 'The server lists a device its user never certified; it gets no keys and its messages are refused.', { userId, deviceId: d.id }));
        }
      }
    }
    this.byUser.set(userId, active);
    return out;
  }
}
