// Test support: people with a certified device, and how a membership entry names them.
import { certifyDevice, encodeDeviceCertificate, generateDeviceKeys, generateIdentity, toBase64url } from '../crypto';
import type { DeviceSecrets } from '../keys/secrets';

/** A user `name` with an identity and one certified device `${name}-d1`. Call after cryptoReady(). */
export function person(name: string): DeviceSecrets {
  const identity = generateIdentity();
  const device = generateDeviceKeys();
  const cert = certifyDevice(identity, { userId: name, deviceId: `${name}-d1`, signPublicKey: device.signPublicKey, boxPublicKey: device.boxPublicKey, issuedAt: 1 });
  return { userId: name, deviceId: `${name}-d1`, identity, device, backupKey: new Uint8Array(32) as never, certificate: toBase64url(encodeDeviceCertificate(cert)) };
}

/** `p` as a member of a group's membership state. */
export const member = (p: DeviceSecrets, role: 'owner' | 'admin' | 'member') => ({ user: p.userId, identityKey: toBase64url(p.identity.publicKey), role });
