import { describe, expect, it } from 'vitest';
import { decryptBackup, encryptBackup } from './backup';
import { sealEnvelope } from './envelope';
import { generateDeviceKeys } from './keys';
import { cryptoReady, sodium } from './sodium';
import { codeOf, text } from './test-support';
import { asBackupKey, asEpochKey } from './types';

await cryptoReady();

const newKey = () => asBackupKey(sodium().randombytes_buf(32));

describe('encryptBackup / decryptBackup', () => {
  it('round-trips empty and large backups', () => {
    const key = newKey();
    for (const plain of [new Uint8Array(0), text('{"keys":1}'), new Uint8Array(100_000).fill(3)]) {
      const data = encryptBackup(key, plain);
      expect(data.length).toBe(plain.length + 1 + 24 + 16);
      expect(decryptBackup(key, data)).toEqual(plain);
    }
  });

  it('uses a fresh nonce each time', () => {
    const key = newKey();
    expect(encryptBackup(key, text('same'))).not.toEqual(encryptBackup(key, text('same')));
  });

  it('fails with DECRYPT_FAILED under another key', () => {
    expect(codeOf(() => decryptBackup(newKey(), encryptBackup(newKey(), text('x'))))).toBe('DECRYPT_FAILED');
  });

  it('does not accept envelope ciphertext made with the same key bytes', () => {
    const raw = sodium().randombytes_buf(32);
    const env = sealEnvelope(
      { kind: 'update', conv: 'c', epoch: 1, device: 'd', counter: 1 },
      text('x'),
      asEpochKey(raw),
      generateDeviceKeys().signSecretKey,
    );
    const asBackup = new Uint8Array(env.length);
    asBackup[0] = 1;
    asBackup.set(env.subarray(0, env.length - 1), 1);
    expect(codeOf(() => decryptBackup(asBackupKey(raw), asBackup))).toBe('DECRYPT_FAILED');
  });

  it('rejects short or foreign data with MALFORMED_ENVELOPE', () => {
    const key = newKey();
    expect(codeOf(() => decryptBackup(key, new Uint8Array(40)))).toBe('MALFORMED_ENVELOPE');
    expect(codeOf(() => decryptBackup(key, new Uint8Array(41).fill(2)))).toBe('MALFORMED_ENVELOPE');
  });
});
