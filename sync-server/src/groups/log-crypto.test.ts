import { canonicalEntry, ErrorCode, type MembershipEntry } from '@mekong/schema';
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashEntry, logCryptoReady, serverLogCrypto } from './log-crypto';

// A two-entry chain signed and hashed by the client library (client-core's signMembershipEntry and
// hashMembershipEntry, device key from seed 0x07 * 32), pinned here: the server must compute the
// same hashes, or every client would see the server's head as a fork. The second entry's change
// lists its keys out of order on purpose: the hash covers the canonical (sorted) form.
const VECTOR = {
  devicePublicKey: '6kpsY-KcUgq-9VB7Ey7F-ZVHdq6-vnuSQh7qaRRG0iw',
  entries: [
    {
      conv: 'grp_vector-1',
      index: 0,
      prev: '',
      change: {
        op: 'create',
        kind: 'group',
        members: [
          { user: 'u-owner', identityKey: 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE', role: 'owner' },
          { user: 'u-two', identityKey: 'AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI', role: 'member' },
        ],
        epoch: 1,
      },
      by: { user: 'u-owner', device: 'd-owner' },
      deviceCert: 'Y2VydA',
      at: 1700000000000,
      sig: 'q1t0_1xfjkKOGf7CsbkXammcZiFgw0Y6LoaTqUADWLQ8hp8pg826syyz13iNJ_9CU-M-9e8hqlWj6pLK4MYrAg',
    },
    {
      conv: 'grp_vector-1',
      index: 1,
      prev: 'QrlXt-wi3MScgGzYm8d9i7KHt_2ZLITmTc4WH5ouCb8',
      change: { role: 'admin', op: 'role', user: 'u-two' },
      by: { user: 'u-owner', device: 'd-owner' },
      deviceCert: 'Y2VydA',
      at: 1700000000001,
      sig: 'WV1MBWX-ODk5hAmqMSmySZuU5NK-vBlAbnI3_7iHpDlTbEAbSkC7t7H5g_8CFhNMnRrjR3Dkkcjkh5psgWalDw',
    },
  ] as MembershipEntry[],
  hashes: ['QrlXt-wi3MScgGzYm8d9i7KHt_2ZLITmTc4WH5ouCb8', 'MWLPkBxzMgh4qBvKPyDojhhr3GTAbn4Nqm_TflGfW7I'],
};

beforeAll(logCryptoReady);

describe('hashEntry', () => {
  it('agrees with the client library on a signed chain', () => {
    const [e0, e1] = VECTOR.entries;
    if (!e0 || !e1) throw new Error('vector incomplete');
    expect(hashEntry(e0)).toBe(VECTOR.hashes[0]);
    expect(e1.prev).toBe(hashEntry(e0));
    expect(hashEntry(e1)).toBe(VECTOR.hashes[1]);
  });

  it('pins a vector whose signatures are genuine (so it is a client chain, not made-up bytes)', async () => {
    await sodium.ready;
    const key = Buffer.from(VECTOR.devicePublicKey, 'base64url');
    for (const e of VECTOR.entries) {
      const { sig, ...unsigned } = e;
      const signed = new Uint8Array([...new TextEncoder().encode('mekong/v1/membership-entry'), 0, ...canonicalEntry(unsigned)]);
      expect(sodium.crypto_sign_verify_detached(Buffer.from(sig, 'base64url'), signed, key)).toBe(true);
    }
  });

  it('changes with any signed field and with the signature', () => {
    const e0 = VECTOR.entries[0] as MembershipEntry;
    const base = hashEntry(e0);
    expect(hashEntry({ ...e0, at: e0.at + 1 })).not.toBe(base);
    expect(hashEntry({ ...e0, conv: 'grp_vector-2' })).not.toBe(base);
    expect(hashEntry({ ...e0, sig: `A${e0.sig.slice(1)}` })).not.toBe(base);
  });

  it('refuses a signature that is not 64 bytes of canonical base64url', () => {
    const e0 = VECTOR.entries[0] as MembershipEntry;
    for (const sig of ['', e0.sig.slice(0, 85), `${e0.sig}A`, `${e0.sig.slice(0, 85)}B`, `${e0.sig}==`]) {
      expect(() => hashEntry({ ...e0, sig })).toThrow(expect.objectContaining({ code: ErrorCode.BAD_REQUEST }));
    }
  });
});

describe('serverLogCrypto', () => {
  it('accepts only entries naming the authenticated user and device as author', () => {
    const e0 = VECTOR.entries[0] as MembershipEntry;
    expect(() => serverLogCrypto({ userId: 'u-owner', deviceId: 'd-owner' }).verifyEntry(e0, '')).not.toThrow();
    for (const author of [
      { userId: 'u-two', deviceId: 'd-owner' },
      { userId: 'u-owner', deviceId: 'd-other' },
    ]) {
      expect(() => serverLogCrypto(author).verifyEntry(e0, '')).toThrow(expect.objectContaining({ code: ErrorCode.FORBIDDEN }));
    }
  });
});
