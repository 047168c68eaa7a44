// The crypto module of client-core: keys, device certificates, envelopes, epoch-key distribution,
// password-derived secrets, key backups, message, reaction and pin signatures and safety numbers, over libsodium.
// Every failure is a thrown MekongError; nothing here returns undefined for bad input.
export { decryptBackup, encryptBackup } from './backup';
export {
  certifyDevice,
  type DeviceCertificate,
  decodeDeviceCertificate,
  encodeDeviceCertificate,
  verifyDeviceCertificate,
} from './certificate';
export { fromBase64url, randomId, toBase64url } from './encoding';
export {
  type EnvelopeHeader,
  type EnvelopeKind,
  type OpenEnvelopeExpectation,
  openEnvelope,
  readEnvelopeHeader,
  sealEnvelope,
} from './envelope';
export {
  type OpenEpochKeyParams,
  openEpochKey,
  peekEpochKeySender,
  readEpochKeyHeader,
  type SealEpochKeyParams,
  type SealedEpochKeyHeader,
  sealEpochKey,
} from './epoch-key';
export { type DeviceKeyPair, generateDeviceKeys, generateEpochKey, generateIdentity, type IdentityKeyPair } from './keys';
export { signMessage, signPin, signReaction, verifyMessage, verifyPin, verifyReaction } from './message-signature';
export { derivePasswordSecrets, type PasswordDeriver, type PasswordStrength } from './password';
export { type SafetyNumberParty, safetyNumber } from './safety-number';
export { cryptoReady } from './sodium';
export {
  asBackupKey,
  asBoxPublicKey,
  asBoxSecretKey,
  asEpochKey,
  asSigningPublicKey,
  asSigningSecretKey,
  type BackupKey,
  type BoxPublicKey,
  type BoxSecretKey,
  type EpochKey,
  type SigningPublicKey,
  type SigningSecretKey,
} from './types';
export { hashMembershipEntry, signMembershipEntry, verifyMembershipEntry } from './membership-signature';
