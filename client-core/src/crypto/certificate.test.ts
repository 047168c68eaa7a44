import { describe, expect, it } from 'vitest';
import {
  certifyDevice,
  type DeviceCertificate,
  decodeDeviceCertificate,
  encodeDeviceCertificate,
  verifyDeviceCertificate,
} from './certificate';
import { generateDeviceKeys, generateIdentity } from './keys';
import { cryptoReady } from './sodium';
import { codeOf, flipBit } from './test-support';

await cryptoReady();

function setup() {
  const identity = generateIdentity();
  const device = generateDeviceKeys();
  const cert = certifyDevice(identity, {
    userId: 'user-lan',
    deviceId: 'điện-thoại',
    signPublicKey: device.signPublicKey,
    boxPublicKey: device.boxPublicKey,
    issuedAt: Date.UTC(2025, 0, 2),
  });
  return { identity, device, cert };
}

describe('device certificates', () => {
  it('verifies with the identity key that signed it', () => {
    const { identity, cert } = setup();
    expect(codeOf(() => verifyDeviceCertificate(identity.publicKey, cert))).toBe('NO_THROW');
  });

  it('round-trips through bytes and still verifies', () => {
    const { identity, cert } = setup();
    const decoded = decodeDeviceCertificate(encodeDeviceCertificate(cert));
    expect(decoded).toEqual(cert);
    expect(codeOf(() => verifyDeviceCertificate(identity.publicKey, decoded))).toBe('NO_THROW');
  });

  it('fails with BAD_CERTIFICATE under another identity or with any field changed', () => {
    const { identity, cert } = setup();
    const other = generateDeviceKeys();
    const variants: DeviceCertificate[] = [
      { ...cert, userId: 'user-minh' },
      { ...cert, deviceId: 'laptop' },
      { ...cert, signPublicKey: other.signPublicKey },
      { ...cert, boxPublicKey: other.boxPublicKey },
      { ...cert, issuedAt: cert.issuedAt + 1 },
      { ...cert, signature: cert.signature.subarray(1) },
      { ...cert, userId: '' },
    ];
    for (const v of variants) expect(codeOf(() => verifyDeviceCertificate(identity.publicKey, v))).toBe('BAD_CERTIFICATE');
    expect(codeOf(() => verifyDeviceCertificate(generateIdentity().publicKey, cert))).toBe('BAD_CERTIFICATE');
  });

  it('refuses every bit flip of the encoded certificate (decode or verify)', () => {
    const { identity, cert } = setup();
    const bytes = encodeDeviceCertificate(cert);
    const codes = new Set<string>();
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        codes.add(codeOf(() => verifyDeviceCertificate(identity.publicKey, decodeDeviceCertificate(flipBit(bytes, i, bit)))));
      }
    }
    expect([...codes].filter((c) => c !== 'MALFORMED_ENVELOPE' && c !== 'BAD_CERTIFICATE')).toEqual([]);
  });

  it('decodes garbage, truncations and trailing bytes as MALFORMED_ENVELOPE', () => {
    const { cert } = setup();
    const bytes = encodeDeviceCertificate(cert);
    for (let n = 0; n < bytes.length; n++) expect(codeOf(() => decodeDeviceCertificate(bytes.subarray(0, n)))).toBe('MALFORMED_ENVELOPE');
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(codeOf(() => decodeDeviceCertificate(longer))).toBe('MALFORMED_ENVELOPE');
    expect(codeOf(() => decodeDeviceCertificate(new Uint8Array(200).fill(0xff)))).toBe('MALFORMED_ENVELOPE');
  });

  it('refuses to certify invalid fields with BAD_REQUEST', () => {
    const { identity, cert } = setup();
    expect(codeOf(() => certifyDevice(identity, { ...cert, issuedAt: -5 }))).toBe('BAD_REQUEST');
    expect(codeOf(() => certifyDevice(identity, { ...cert, deviceId: 'x'.repeat(200) }))).toBe('BAD_REQUEST');
  });
});
