import { describe, expect, it } from 'vitest';
import { toHex } from './encoding';
import { generateDeviceKeys, generateEpochKey, generateIdentity } from './keys';
import { cryptoReady, sodium } from './sodium';
import { codeOf, seq, text } from './test-support';

await cryptoReady();

describe('key generation', () => {
  it('makes random, distinct keys without a seed', () => {
    expect(toHex(generateIdentity().publicKey)).not.toBe(toHex(generateIdentity().publicKey));
    expect(toHex(generateDeviceKeys().boxPublicKey)).not.toBe(toHex(generateDeviceKeys().boxPublicKey));
    expect(toHex(generateEpochKey())).not.toBe(toHex(generateEpochKey()));
    expect(generateEpochKey()).toHaveLength(32);
  });

  it('is deterministic for a seed', () => {
    expect(generateIdentity(seq(5, 32))).toEqual(generateIdentity(seq(5, 32)));
    expect(generateDeviceKeys(seq(5, 32))).toEqual(generateDeviceKeys(seq(5, 32)));
  });

  it('produces working key pairs', () => {
    const s = sodium();
    const device = generateDeviceKeys();
    const sig = s.crypto_sign_detached(text('hi'), device.signSecretKey);
    expect(s.crypto_sign_verify_detached(sig, text('hi'), device.signPublicKey)).toBe(true);
    const box = s.crypto_box_seal(text('hi'), device.boxPublicKey);
    expect(s.crypto_box_seal_open(box, device.boxPublicKey, device.boxSecretKey)).toEqual(text('hi'));
  });

  it("does not reuse the signing key's secret as the box key", () => {
    const device = generateDeviceKeys(seq(0, 32));
    const converted = sodium().crypto_sign_ed25519_pk_to_curve25519(device.signPublicKey);
    expect(toHex(converted)).not.toBe(toHex(device.boxPublicKey));
    expect(toHex(generateIdentity(seq(0, 32)).publicKey)).not.toBe(toHex(device.signPublicKey));
  });

  it('refuses a seed that is not 32 bytes with BAD_REQUEST', () => {
    expect(codeOf(() => generateIdentity(seq(0, 31)))).toBe('BAD_REQUEST');
    expect(codeOf(() => generateDeviceKeys(seq(0, 33)))).toBe('BAD_REQUEST');
  });
});
