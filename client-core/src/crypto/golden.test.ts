// Golden vectors for Mekong's own byte formats. They were computed once from fixed seeds and
// nonces and pinned here: if any of them changes, the wire format changed and every stored
// envelope, certificate, sealed key and backup would stop opening. Bump a version instead.
import { describe, expect, it } from 'vitest';
import { decryptBackup, encryptBackupWithNonce } from './backup';
import { certifyDevice, decodeDeviceCertificate, encodeDeviceCertificate, verifyDeviceCertificate } from './certificate';
import { fromHex, toHex } from './encoding';
import { openEnvelope, readEnvelopeHeader, sealEnvelopeWithNonce } from './envelope';
import { openEpochKey } from './epoch-key';
import { generateDeviceKeys, generateIdentity } from './keys';
import { signMessage, verifyMessage } from './message-signature';
import { safetyNumber } from './safety-number';
import { cryptoReady } from './sodium';
import { seq, text } from './test-support';
import { asBackupKey, asEpochKey } from './types';

await cryptoReady();

const GOLDEN = {
  deviceSignPublicKey: '0df21f83fdc42050081489ffc99b5c6b56cd90ec3eaf959a6542c29260df693d',
  deviceBoxPublicKey: '7a22f470d83293004376c26581ec88c1a32a13905d131204157991874e78961a',
  identityPublicKey: '29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7',
  envelope:
    '01010b636f6e762d676f6c64656e03086465766963652d61ac02606162636465666768696a6b6c6d6e6f7071727374757677' +
    'fd1b9f091c3ec36698d858143d466d5f3fbd9e4ae6e300d411cf8c4fb34ff20604b28448ab677ede068a4e6191' +
    'b0c6f51c3d7017c719514b22db0df54c4cb0875c840ba63ef94b3596859f739bd63c0d5cb41c5f8e22d124a7a1851602',
  certificate:
    '0108757365722d6c616e086465766963652d610df21f83fdc42050081489ffc99b5c6b56cd90ec3eaf959a6542c29260df693d' +
    '7a22f470d83293004376c26581ec88c1a32a13905d131204157991874e78961a80d095ffbc31' +
    '2f87c3ccd65ad4d75b3df147de0accc5eee7e408fc7cd9bb0a60ba68c7d6c18ef050124099c7e25775ef1f10c6c647d80c6f36b92f98adf6f21ff4d61d68fa0f',
  messageSignature:
    '92811c696ee13622251d521fa7af866fc84e21059a07be4961c3121fe8d089433687bf53fcde51e56585f4006013756fa11bf64fca4ae40e4ff851b46916430f',
  backup: '01606162636465666768696a6b6c6d6e6f7071727374757677213a2027cd21bedfbee907e310861e759b3cb6aa83b4626b281d7f3395f6',
  // crypto_box_seal uses a fresh ephemeral key, so this one is pinned on the opening side only.
  sealedEpochKey:
    '010b636f6e762d676f6c64656e03086465766963652d62086465766963652d61' +
    'ce5736f839273da377e79dabf2bb494b5c2070a50c63ccbdb385e26fd9d05a35489b6838699700553b5061536a9339bd5c4f61524dbb16c9d2b8b5525267a16a' +
    '5cf18221db79db04074eb720b4da49f898c924948cf2d4d410f570093db297236129f7137d9fa4f995970b2f30bae9f9817002f0594aaf6b580d64a2e5231dcc' +
    '0eaa41e6beab20abf487f0bb03ee9b8d',
  safetyNumber: '37878 11207 77726 76574 09978 86679 63090 81980 38674 26107 22014 27115',
};

const device = () => generateDeviceKeys(seq(0, 32));
const identity = () => generateIdentity(seq(32, 32));
const epochKey = () => asEpochKey(seq(64, 32));
const nonce = () => seq(96, 24);
const header = { kind: 'update', conv: 'conv-golden', epoch: 3, device: 'device-a', counter: 300 } as const;

describe('golden vectors', () => {
  it('derives pinned keys from fixed seeds', () => {
    expect(toHex(device().signPublicKey)).toBe(GOLDEN.deviceSignPublicKey);
    expect(toHex(device().boxPublicKey)).toBe(GOLDEN.deviceBoxPublicKey);
    expect(toHex(identity().publicKey)).toBe(GOLDEN.identityPublicKey);
  });

  it('seals the pinned envelope and opens it', () => {
    const env = sealEnvelopeWithNonce(header, text('hello, Mekong'), epochKey(), device().signSecretKey, nonce());
    expect(toHex(env)).toBe(GOLDEN.envelope);
    const pinned = fromHex(GOLDEN.envelope);
    expect(readEnvelopeHeader(pinned)).toEqual(header);
    const opened = openEnvelope(pinned, { kind: 'update', conv: 'conv-golden', signPublicKey: device().signPublicKey, epochKey: epochKey() });
    expect(new TextDecoder().decode(opened.plaintext)).toBe('hello, Mekong');
  });

  it('encodes the pinned certificate and verifies it', () => {
    const cert = certifyDevice(identity(), {
      userId: 'user-lan',
      deviceId: 'device-a',
      signPublicKey: device().signPublicKey,
      boxPublicKey: device().boxPublicKey,
      issuedAt: 1_700_000_000_000,
    });
    expect(toHex(encodeDeviceCertificate(cert))).toBe(GOLDEN.certificate);
    const decoded = decodeDeviceCertificate(fromHex(GOLDEN.certificate));
    expect(decoded.issuedAt).toBe(1_700_000_000_000);
    expect(() => verifyDeviceCertificate(identity().publicKey, decoded)).not.toThrow();
  });

  it('makes the pinned message signature', () => {
    expect(toHex(signMessage(device().signSecretKey, text('canonical message')))).toBe(GOLDEN.messageSignature);
    expect(() => verifyMessage(device().signPublicKey, text('canonical message'), fromHex(GOLDEN.messageSignature))).not.toThrow();
  });

  it('encrypts the pinned backup and decrypts it', () => {
    const key = asBackupKey(seq(160, 32));
    expect(toHex(encryptBackupWithNonce(key, text('backup payload'), nonce()))).toBe(GOLDEN.backup);
    expect(new TextDecoder().decode(decryptBackup(key, fromHex(GOLDEN.backup)))).toBe('backup payload');
  });

  it('opens the pinned sealed epoch key', () => {
    const recipient = generateDeviceKeys(seq(128, 32));
    const opened = openEpochKey(fromHex(GOLDEN.sealedEpochKey), {
      conv: 'conv-golden',
      recipientDevice: 'device-b',
      recipientBox: { publicKey: recipient.boxPublicKey, secretKey: recipient.boxSecretKey },
      senderSignPublicKey: (id) => (id === 'device-a' ? device().signPublicKey : undefined),
    });
    expect(opened).toEqual({ epoch: 3, key: epochKey(), senderDevice: 'device-a' });
  });

  it('computes the pinned safety number', () => {
    const other = generateIdentity(seq(200, 32));
    expect(
      safetyNumber({ userId: 'user-lan', identityKey: identity().publicKey }, { userId: 'user-minh', identityKey: other.publicKey }),
    ).toBe(GOLDEN.safetyNumber);
  });
});
