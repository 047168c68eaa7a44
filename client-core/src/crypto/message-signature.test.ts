import { describe, expect, it } from 'vitest';
import { generateDeviceKeys } from './keys';
import { signMessage, signPin, signReaction, verifyMessage, verifyPin, verifyReaction } from './message-signature';
import { cryptoReady } from './sodium';
import { codeOf, flipBit, text } from './test-support';

await cryptoReady();

describe('signMessage / verifyMessage', () => {
  const author = generateDeviceKeys();
  const canonical = text('{"id":"m1","author":"lan","body":"chào"}');
  const sig = signMessage(author.signSecretKey, canonical);

  it('verifies the author signature', () => {
    expect(sig.length).toBe(64);
    expect(codeOf(() => verifyMessage(author.signPublicKey, canonical, sig))).toBe('NO_THROW');
  });

  it('fails with BAD_SIGNATURE for another author, a rewritten message or a damaged signature', () => {
    expect(codeOf(() => verifyMessage(generateDeviceKeys().signPublicKey, canonical, sig))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => verifyMessage(author.signPublicKey, text('{"id":"m1","author":"lan","body":"chao"}'), sig))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => verifyMessage(author.signPublicKey, canonical, flipBit(sig, 10, 3)))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => verifyMessage(author.signPublicKey, canonical, sig.subarray(0, 63)))).toBe('BAD_SIGNATURE');
  });

  it('signs the empty message too', () => {
    const empty = signMessage(author.signSecretKey, new Uint8Array(0));
    expect(codeOf(() => verifyMessage(author.signPublicKey, new Uint8Array(0), empty))).toBe('NO_THROW');
  });
});

describe.each([
  ['signReaction / verifyReaction', signReaction, verifyReaction],
  ['signPin / verifyPin', signPin, verifyPin],
] as const)('%s', (_name, sign, verify) => {
  const user = generateDeviceKeys();
  const canonical = text('18:mekong/v1/reaction6:conv-12:m13:bob');
  const sig = sign(user.signSecretKey, canonical);

  it('verifies a signature by the same device over the same bytes', () => {
    expect(sig.length).toBe(64);
    expect(codeOf(() => verify(user.signPublicKey, canonical, sig))).toBe('NO_THROW');
  });

  it('fails with BAD_SIGNATURE for another device, other bytes or a damaged signature', () => {
    expect(codeOf(() => verify(generateDeviceKeys().signPublicKey, canonical, sig))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => verify(user.signPublicKey, text('18:mekong/v1/reaction6:conv-12:m23:bob'), sig))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => verify(user.signPublicKey, canonical, flipBit(sig, 0, 0)))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => verify(user.signPublicKey, canonical, sig.subarray(1)))).toBe('BAD_SIGNATURE');
  });
});
