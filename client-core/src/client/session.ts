// Registration and login: the password never leaves the device; the server sees a derived login
// secret, and the key backup is encrypted under a separately derived key.
import { ErrorCode, MekongError } from '@mekong/schema';
import {
  certifyDevice,
  cryptoReady,
  derivePasswordSecrets,
  encodeDeviceCertificate,
  generateDeviceKeys,
  generateIdentity,
  type PasswordDeriver,
  randomId,
  toBase64url,
} from '../crypto';
import { type ApiClient, type ApiProfile, type TokenResponse, type Tokens, toTokens } from '../http/api';
import { type DeviceSecrets, openBackup, sealBackup } from '../keys/secrets';
import type { Session } from './types';

export interface Established {
  session: Session;
  tokens: Tokens;
  secrets: DeviceSecrets;
  restoredEpochs: ReturnType<typeof openBackup>['epochs'];
}

interface RegisterResponse extends TokenResponse {
  user: ApiProfile;
  deviceId: string | null;
}
interface LoginResponse extends RegisterResponse {
  backup: { version: number; data: string } | null;
}

const USERNAME = /^[a-z0-9_.]{3,32}$/;

function checkUsername(username: string): string {
  const u = username.trim().toLowerCase();
  if (!USERNAME.test(u)) {
    throw new MekongError(ErrorCode.BAD_REQUEST, 'Usernames are 3–32 characters: letters, digits, dot and underscore.');
  }
  return u;
}

function checkPassword(password: string): void {
  if (password.length < 8) throw new MekongError(ErrorCode.BAD_REQUEST, 'Use a password of at least 8 characters.');
}

/** Create the account, then this device. */
export async function register(
  api: ApiClient,
  setTokens: (t: Tokens) => Promise<void>,
  p: { username: string; password: string; displayName: string },
  now: () => number,
  derive: PasswordDeriver = derivePasswordSecrets,
): Promise<Established> {
  const username = checkUsername(p.username);
  checkPassword(p.password);
  await cryptoReady();
  const { loginSecret, backupKey } = await derive(username, p.password);
  const identity = generateIdentity();
  const backup = sealBackup(backupKey, { identity, epochs: {} });
  const res = await api.call<RegisterResponse>(
    'POST',
    '/api/users/register',
    { username, displayName: p.displayName.trim() || username, loginSecret, identityKey: toBase64url(identity.publicKey), backup },
    { auth: false },
  );
  await setTokens(toTokens(res, now()));
  return addDevice(api, setTokens, res.user, identity, backupKey, {}, now);
}

/** Log in; restores the identity from the backup and reuses `knownDevice` if it is still valid. */
export async function login(
  api: ApiClient,
  setTokens: (t: Tokens) => Promise<void>,
  p: { username: string; password: string },
  knownDevice: DeviceSecrets | null,
  now: () => number,
  derive: PasswordDeriver = derivePasswordSecrets,
): Promise<Established> {
  const username = checkUsername(p.username);
  await cryptoReady();
  const { loginSecret, backupKey } = await derive(username, p.password);
  const deviceId = knownDevice?.deviceId;
  const res = await api.call<LoginResponse>(
    'POST',
    '/api/users/login',
    { username, loginSecret, ...(deviceId ? { deviceId } : {}) },
    { auth: false },
  );
  await setTokens(toTokens(res, now()));
  if (!res.backup) throw new MekongError(ErrorCode.NOT_FOUND, 'This account has no key backup; it cannot be used on a new device.');
  const restored = openBackup(backupKey, res.backup.data);
  if (knownDevice && res.deviceId === knownDevice.deviceId && knownDevice.userId === res.user.id) {
    const session = { userId: res.user.id, username: res.user.username, displayName: res.user.displayName, deviceId: res.deviceId };
    return { session, tokens: toTokens(res, now()), secrets: { ...knownDevice, backupKey }, restoredEpochs: restored.epochs };
  }
  return addDevice(api, setTokens, res.user, restored.identity, backupKey, restored.epochs, now);
}

async function addDevice(
  api: ApiClient,
  setTokens: (t: Tokens) => Promise<void>,
  user: ApiProfile,
  identity: DeviceSecrets['identity'],
  backupKey: DeviceSecrets['backupKey'],
  restoredEpochs: Established['restoredEpochs'],
  now: () => number,
): Promise<Established> {
  const device = generateDeviceKeys();
  const deviceId = randomId(12);
  const cert = certifyDevice(identity, {
    userId: user.id,
    deviceId,
    signPublicKey: device.signPublicKey,
    boxPublicKey: device.boxPublicKey,
    issuedAt: now(),
  });
  const certificate = toBase64url(encodeDeviceCertificate(cert));
  const res = await api.call<TokenResponse & { deviceId: string }>('POST', '/api/users/me/devices', {
    id: deviceId,
    signKey: toBase64url(device.signPublicKey),
    boxKey: toBase64url(device.boxPublicKey),
    certificate,
  });
  const tokens = toTokens(res, now());
  await setTokens(tokens);
  const session = { userId: user.id, username: user.username, displayName: user.displayName, deviceId };
  return { session, tokens, secrets: { userId: user.id, deviceId, identity, device, backupKey, certificate }, restoredEpochs };
}
