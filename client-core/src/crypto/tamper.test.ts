// Every single-bit change and every truncation of a sealed structure must be refused with a
// typed error. Regions are checked separately so the expected code is as precise as possible.
import { describe, expect, it } from 'vitest';
import { decryptBackup, encryptBackup } from './backup';
import { openEnvelope, sealEnvelope } from './envelope';
import { encodeEnvelopeHeader } from './envelope-header';
import { openEpochKey, sealEpochKey } from './epoch-key';
import { generateDeviceKeys, generateEpochKey } from './keys';
import { cryptoReady } from './sodium';
import { codeOf, flipBit, text } from './test-support';
import { asBackupKey } from './types';

await cryptoReady();

/** Flip each bit of bytes [from, to) and collect the codes `attempt` produced. */
function flipEach(bytes: Uint8Array, from: number, to: number, attempt: (b: Uint8Array) => unknown): Set<string> {
  const codes = new Set<string>();
  for (let i = from; i < to; i++) {
    for (let bit = 0; bit < 8; bit++) codes.add(codeOf(() => attempt(flipBit(bytes, i, bit))));
  }
  return codes;
}

function truncations(bytes: Uint8Array, attempt: (b: Uint8Array) => unknown): Set<string> {
  const codes = new Set<string>();
  for (let n = 0; n < bytes.length; n++) codes.add(codeOf(() => attempt(bytes.subarray(0, n))));
  return codes;
}

const subsetOf = (codes: Set<string>, allowed: string[]) => expect([...codes].filter((c) => !allowed.includes(c))).toEqual([]);

describe('envelope tampering', () => {
  const device = generateDeviceKeys(new Uint8Array(32).fill(1));
  const epochKey = generateEpochKey();
  const header = { kind: 'update', conv: 'conv-tamper', epoch: 300, device: 'device-x', counter: 70000 } as const;
  const env = sealEnvelope(header, text('a short chat message, about forty bytes'), epochKey, device.signSecretKey);
  const open = (b: Uint8Array) => openEnvelope(b, { kind: 'update', conv: 'conv-tamper', signPublicKey: device.signPublicKey, epochKey });
  const headerLength = encodeEnvelopeHeader(header).length;
  const allowed = ['MALFORMED_ENVELOPE', 'WRONG_CONTEXT', 'BAD_SIGNATURE', 'DECRYPT_FAILED'];

  it('opens untouched', () => {
    expect(headerLength).toBe(28);
    expect(codeOf(() => open(env))).toBe('NO_THROW');
  });

  it('refuses every bit flip of the header (the AEAD associated data)', () => {
    const codes = flipEach(env, 0, headerLength, open);
    subsetOf(codes, allowed.slice(0, 3));
    // each kind of check is reached: version/kind/length bytes, conv, and the signed-only fields
    expect(codes).toEqual(new Set(['MALFORMED_ENVELOPE', 'WRONG_CONTEXT', 'BAD_SIGNATURE']));
  });

  it('refuses every bit flip of the nonce, ciphertext and signature with BAD_SIGNATURE', () => {
    expect(flipEach(env, headerLength, headerLength + 24, open)).toEqual(new Set(['BAD_SIGNATURE']));
    expect(flipEach(env, headerLength + 24, env.length - 64, open)).toEqual(new Set(['BAD_SIGNATURE']));
    expect(flipEach(env, env.length - 64, env.length, open)).toEqual(new Set(['BAD_SIGNATURE']));
  });

  it('refuses every truncation and an extension', () => {
    const codes = truncations(env, open);
    subsetOf(codes, allowed);
    expect(codes.has('MALFORMED_ENVELOPE')).toBe(true);
    const longer = new Uint8Array(env.length + 1);
    longer.set(env);
    expect(codeOf(() => open(longer))).toBe('BAD_SIGNATURE');
  });
});

describe('sealed epoch key tampering', () => {
  const sender = generateDeviceKeys();
  const recipient = generateDeviceKeys();
  const sealed = sealEpochKey({
    conv: 'conv-tamper',
    epoch: 5,
    key: generateEpochKey(),
    recipientDevice: 'device-r',
    recipientBoxPublicKey: recipient.boxPublicKey,
    senderDevice: 'device-s',
    senderSignSecretKey: sender.signSecretKey,
  });
  const open = (b: Uint8Array) =>
    openEpochKey(b, {
      conv: 'conv-tamper',
      recipientDevice: 'device-r',
      recipientBox: { publicKey: recipient.boxPublicKey, secretKey: recipient.boxSecretKey },
      senderSignPublicKey: (id) => (id === 'device-s' ? sender.signPublicKey : undefined),
    });
  const headerLength = sealed.length - 144;

  it('opens untouched', () => {
    expect(codeOf(() => open(sealed))).toBe('NO_THROW');
  });

  it('refuses every bit flip of the clear header', () => {
    const codes = flipEach(sealed, 0, headerLength, open);
    subsetOf(codes, ['MALFORMED_ENVELOPE', 'WRONG_CONTEXT', 'UNKNOWN_DEVICE', 'BAD_SIGNATURE']);
    expect(codes.has('BAD_SIGNATURE')).toBe(true); // the epoch number is only protected by the signature
    expect(codes.has('UNKNOWN_DEVICE')).toBe(true);
  });

  it('refuses every bit flip of the sealed box with DECRYPT_FAILED', () => {
    expect(flipEach(sealed, headerLength, sealed.length, open)).toEqual(new Set(['DECRYPT_FAILED']));
  });

  it('refuses every truncation', () => {
    expect(truncations(sealed, open)).toEqual(new Set(['MALFORMED_ENVELOPE']));
  });
});

describe('backup tampering', () => {
  const key = asBackupKey(new Uint8Array(32).fill(9));
  const data = encryptBackup(key, text('{"identity":"…","devices":[]}'));

  it('refuses every bit flip: version byte as MALFORMED_ENVELOPE, the rest as DECRYPT_FAILED', () => {
    expect(codeOf(() => decryptBackup(key, data))).toBe('NO_THROW');
    expect(flipEach(data, 0, 1, (b) => decryptBackup(key, b))).toEqual(new Set(['MALFORMED_ENVELOPE']));
    expect(flipEach(data, 1, data.length, (b) => decryptBackup(key, b))).toEqual(new Set(['DECRYPT_FAILED']));
  });

  it('refuses every truncation', () => {
    expect(truncations(data, (b) => decryptBackup(key, b))).toEqual(new Set(['MALFORMED_ENVELOPE', 'DECRYPT_FAILED']));
  });
});
