// Test doubles and contract suites shared by every package's tests.
export { runStorageContract } from './storage/contract';
export { createMemoryNetwork, type MemoryAcceptor, type MemoryServerSide } from './transport/memory';
export { Client } from './client/client';
// For suites that play a hostile server or a colluding member: the raw primitives a client uses.
export {
  certifyDevice,
  cryptoReady,
  type DeviceKeyPair,
  encodeDeviceCertificate,
  fromBase64url,
  generateDeviceKeys,
  generateEpochKey,
  generateIdentity,
  openEnvelope,
  readEnvelopeHeader,
  sealEnvelope,
  sealEpochKey,
  signMessage,
  toBase64url,
} from './crypto';
export { signEntry } from './membership/log';
export type { DeviceSecrets } from './keys/secrets';
