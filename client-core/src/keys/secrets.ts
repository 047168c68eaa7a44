// This device's own secrets as stored locally, and the password-protected backup of a user's keys.
import {
  asBackupKey,
  asBoxPublicKey,
  asBoxSecretKey,
  asEpochKey,
  asSigningPublicKey,
  asSigningSecretKey,
  type BackupKey,
  type DeviceKeyPair,
  decryptBackup,
  type EpochKey,
  encryptBackup,
  fromBase64url,
  type IdentityKeyPair,
  toBase64url,
} from '../crypto';
import { fromBytes, toBytes } from '../local/json';

export interface DeviceSecrets {
  userId: string;
  deviceId: string;
  identity: IdentityKeyPair;
  device: DeviceKeyPair;
  backupKey: BackupKey;
  /** this device's certificate (base64url), signed by the identity key */
  certificate?: string;
}

interface StoredSecrets {
  userId: string;
  deviceId: string;
  identity: [string, string];
  device: [string, string, string, string];
  backupKey: string;
  certificate?: string;
}

const b = toBase64url;
const u = fromBase64url;

export function encodeSecrets(s: DeviceSecrets): Uint8Array {
  const stored: StoredSecrets = {
    userId: s.userId,
    deviceId: s.deviceId,
    identity: [b(s.identity.publicKey), b(s.identity.secretKey)],
    device: [b(s.device.signPublicKey), b(s.device.signSecretKey), b(s.device.boxPublicKey), b(s.device.boxSecretKey)],
    backupKey: b(s.backupKey),
    ...(s.certificate ? { certificate: s.certificate } : {}),
  };
  return toBytes(stored);
}

export function decodeSecrets(bytes: Uint8Array): DeviceSecrets {
  const s = fromBytes<StoredSecrets>(bytes);
  return {
    userId: s.userId,
    deviceId: s.deviceId,
    identity: { publicKey: asSigningPublicKey(u(s.identity[0])), secretKey: asSigningSecretKey(u(s.identity[1])) },
    device: {
      signPublicKey: asSigningPublicKey(u(s.device[0])),
      signSecretKey: asSigningSecretKey(u(s.device[1])),
      boxPublicKey: asBoxPublicKey(u(s.device[2])),
      boxSecretKey: asBoxSecretKey(u(s.device[3])),
    },
    backupKey: asBackupKey(u(s.backupKey)),
    ...(s.certificate ? { certificate: s.certificate } : {}),
  };
}

/** What the server keeps for a user, encrypted under the password-derived backup key. */
export interface BackupContents {
  identity: IdentityKeyPair;
  /** conversation id → epoch → key */
  epochs: Record<string, Record<string, EpochKey>>;
}

interface StoredBackup {
  v: 1;
  identity: [string, string];
  epochs: Record<string, Record<string, string>>;
}

export function sealBackup(key: BackupKey, c: BackupContents): string {
  const epochs: StoredBackup['epochs'] = {};
  for (const [conv, m] of Object.entries(c.epochs)) {
    epochs[conv] = {};
    for (const [e, k] of Object.entries(m)) epochs[conv]![e] = b(k);
  }
  const stored: StoredBackup = { v: 1, identity: [b(c.identity.publicKey), b(c.identity.secretKey)], epochs };
  return b(encryptBackup(key, toBytes(stored)));
}

/** Throws DECRYPT_FAILED when the password (hence the key) is wrong or the data was tampered with. */
export function openBackup(key: BackupKey, data: string): BackupContents {
  const s = fromBytes<StoredBackup>(decryptBackup(key, u(data)));
  const epochs: BackupContents['epochs'] = {};
  for (const [conv, m] of Object.entries(s.epochs ?? {})) {
    epochs[conv] = {};
    for (const [e, k] of Object.entries(m)) epochs[conv]![e] = asEpochKey(u(k));
  }
  return {
    identity: { publicKey: asSigningPublicKey(u(s.identity[0])), secretKey: asSigningSecretKey(u(s.identity[1])) },
    epochs,
  };
}
