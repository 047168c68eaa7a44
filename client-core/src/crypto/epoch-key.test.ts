import { describe, expect, it } from 'vitest';
import { openEpochKey, type OpenEpochKeyParams, peekEpochKeySender, readEpochKeyHeader, sealEpochKey } from './epoch-key';
import { generateDeviceKeys, generateEpochKey } from './keys';
import { cryptoReady } from './sodium';
import { codeOf } from './test-support';

await cryptoReady();

function setup() {
  const sender = generateDeviceKeys();
  const recipient = generateDeviceKeys();
  const key = generateEpochKey();
  const sealed = sealEpochKey({
    conv: 'conv-1',
    epoch: 9,
    key,
    recipientDevice: 'phone',
    recipientBoxPublicKey: recipient.boxPublicKey,
    senderDevice: 'laptop',
    senderSignSecretKey: sender.signSecretKey,
  });
  const params: OpenEpochKeyParams = {
    conv: 'conv-1',
    recipientDevice: 'phone',
    recipientBox: { publicKey: recipient.boxPublicKey, secretKey: recipient.boxSecretKey },
    senderSignPublicKey: (id) => (id === 'laptop' ? sender.signPublicKey : undefined),
  };
  return { sender, recipient, key, sealed, params };
}

describe('sealEpochKey / openEpochKey', () => {
  it('round-trips the key, epoch and sender', () => {
    const { key, sealed, params } = setup();
    expect(openEpochKey(sealed, params)).toEqual({ epoch: 9, key, senderDevice: 'laptop' });
    expect(openEpochKey(sealed, { ...params, epoch: 9 }).key).toEqual(key);
  });

  it('lets the recipient read the claimed sender before it has the sender key', () => {
    const { sealed } = setup();
    expect(peekEpochKeySender(sealed)).toBe('laptop');
    expect(readEpochKeyHeader(sealed)).toEqual({ conv: 'conv-1', epoch: 9, recipientDevice: 'phone', senderDevice: 'laptop' });
  });

  it('asks for the sender key by the device id in the sealed key', () => {
    const { sealed, params, sender } = setup();
    const asked: string[] = [];
    openEpochKey(sealed, {
      ...params,
      senderSignPublicKey: (id) => {
        asked.push(id);
        return sender.signPublicKey;
      },
    });
    expect(asked).toEqual(['laptop']);
  });

  it('rejects an unknown sender, a wrong sender key, a wrong epoch and a wrong recipient key', () => {
    const { sealed, params } = setup();
    expect(codeOf(() => openEpochKey(sealed, { ...params, senderSignPublicKey: () => undefined }))).toBe('UNKNOWN_DEVICE');
    const impostor = generateDeviceKeys();
    expect(codeOf(() => openEpochKey(sealed, { ...params, senderSignPublicKey: () => impostor.signPublicKey }))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => openEpochKey(sealed, { ...params, epoch: 10 }))).toBe('WRONG_CONTEXT');
    const other = generateDeviceKeys();
    expect(codeOf(() => openEpochKey(sealed, { ...params, recipientBox: { publicKey: other.boxPublicKey, secretKey: other.boxSecretKey } }))).toBe(
      'DECRYPT_FAILED',
    );
  });

  it('rejects a key that a relay sealed itself and attributed to a member device', () => {
    const { params, recipient, sender } = setup();
    const relay = generateDeviceKeys();
    const forged = sealEpochKey({
      conv: 'conv-1',
      epoch: 9,
      key: generateEpochKey(),
      recipientDevice: 'phone',
      recipientBoxPublicKey: recipient.boxPublicKey,
      senderDevice: 'laptop',
      senderSignSecretKey: relay.signSecretKey,
    });
    expect(codeOf(() => openEpochKey(forged, { ...params, senderSignPublicKey: () => sender.signPublicKey }))).toBe('BAD_SIGNATURE');
  });

  it('refuses invalid parameters with BAD_REQUEST', () => {
    const { recipient, sender, key } = setup();
    const base = {
      conv: 'c',
      epoch: 1,
      key,
      recipientDevice: 'r',
      recipientBoxPublicKey: recipient.boxPublicKey,
      senderDevice: 's',
      senderSignSecretKey: sender.signSecretKey,
    };
    expect(codeOf(() => sealEpochKey({ ...base, conv: '' }))).toBe('BAD_REQUEST');
    expect(codeOf(() => sealEpochKey({ ...base, senderDevice: 's'.repeat(129) }))).toBe('BAD_REQUEST');
    expect(codeOf(() => sealEpochKey({ ...base, key: key.subarray(0, 16) as typeof key }))).toBe('BAD_REQUEST');
  });

  it('rejects garbage with MALFORMED_ENVELOPE', () => {
    expect(codeOf(() => peekEpochKeySender(new Uint8Array(10)))).toBe('MALFORMED_ENVELOPE');
    expect(codeOf(() => readEpochKeyHeader(new Uint8Array(300).fill(1)))).toBe('MALFORMED_ENVELOPE');
  });
});
