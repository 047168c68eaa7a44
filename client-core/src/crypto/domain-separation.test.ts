// A signature or ciphertext made for one purpose must never be accepted for another.
import { describe, expect, it } from 'vitest';
import { certifyDevice, verifyDeviceCertificate } from './certificate';
import { CONTEXTS, contextBytes, envelopeContext, prefixed } from './contexts';
import { openEnvelope, sealEnvelope } from './envelope';
import { openEpochKey, sealEpochKey } from './epoch-key';
import { generateDeviceKeys, generateEpochKey, generateIdentity } from './keys';
import { signMessage, signPin, signReaction, verifyMessage, verifyPin, verifyReaction } from './message-signature';
import { cryptoReady, sodium } from './sodium';
import { codeOf, text } from './test-support';

await cryptoReady();

const device = generateDeviceKeys();
const epochKey = generateEpochKey();
const header = { kind: 'update', conv: 'conv-a', epoch: 1, device: 'dev-a', counter: 1 } as const;
const expectFor = (kind: 'update' | 'snapshot' | 'ephemeral') => ({ kind, conv: 'conv-a', signPublicKey: device.signPublicKey, epochKey });

describe('domain separation', () => {
  it('has a distinct context for every purpose, none a prefix of another once terminated', () => {
    const names = Object.keys(CONTEXTS) as (keyof typeof CONTEXTS)[];
    const values = names.map((n) => CONTEXTS[n]);
    expect(new Set(values).size).toBe(values.length);
    for (const a of names) {
      for (const b of names) {
        if (a === b) continue;
        const ba = contextBytes(a);
        const bb = contextBytes(b);
        expect(bb.length >= ba.length && ba.every((x, i) => x === bb[i])).toBe(false);
      }
    }
  });

  it.each(['snapshot', 'ephemeral'] as const)('rejects an update relabelled as %s', (kind) => {
    const env = sealEnvelope(header, text('x'), epochKey, device.signSecretKey);
    const relabelled = env.slice();
    relabelled[1] = kind === 'snapshot' ? 2 : 3;
    expect(codeOf(() => openEnvelope(relabelled, expectFor(kind)))).toBe('BAD_SIGNATURE');
  });

  it('binds the kind through the signature context, not only through the header', () => {
    // A snapshot whose signature was made with the update context must fail even though
    // its header, nonce and ciphertext are all genuine.
    const env = sealEnvelope({ ...header, kind: 'snapshot' }, text('x'), epochKey, device.signSecretKey);
    const body = env.subarray(0, env.length - 64);
    const resign = (ctx: Uint8Array) => {
      const out = env.slice();
      out.set(sodium().crypto_sign_detached(prefixed(ctx, body), device.signSecretKey), body.length);
      return out;
    };
    expect(codeOf(() => openEnvelope(resign(envelopeContext('update')), expectFor('snapshot')))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => openEnvelope(resign(new Uint8Array(0)), expectFor('snapshot')))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => openEnvelope(resign(envelopeContext('snapshot')), expectFor('snapshot')))).toBe('NO_THROW');
  });

  it('a message signature is not an envelope signature, and vice versa', () => {
    const env = sealEnvelope(header, text('x'), epochKey, device.signSecretKey);
    const body = env.subarray(0, env.length - 64);
    const withMessageSig = env.slice();
    withMessageSig.set(signMessage(device.signSecretKey, body), body.length);
    expect(codeOf(() => openEnvelope(withMessageSig, expectFor('update')))).toBe('BAD_SIGNATURE');
    const envelopeSig = env.subarray(body.length);
    expect(codeOf(() => verifyMessage(device.signPublicKey, body, envelopeSig))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => verifyMessage(device.signPublicKey, prefixed(envelopeContext('update'), body), envelopeSig))).toBe('BAD_SIGNATURE');
  });

  it('message, reaction and pin signatures over the same bytes are never accepted for one another', () => {
    const bytes = text('the same canonical bytes');
    const kinds = [
      ['message', signMessage, verifyMessage],
      ['reaction', signReaction, verifyReaction],
      ['pin', signPin, verifyPin],
    ] as const;
    for (const [a, sign] of kinds) {
      const sig = sign(device.signSecretKey, bytes);
      for (const [b, , verify] of kinds) {
        expect(codeOf(() => verify(device.signPublicKey, bytes, sig)), `${a} signature checked as ${b}`).toBe(a === b ? 'NO_THROW' : 'BAD_SIGNATURE');
      }
      // nor is one an envelope signature
      const env = sealEnvelope(header, text('x'), epochKey, device.signSecretKey);
      const body = env.subarray(0, env.length - 64);
      const relabelled = env.slice();
      relabelled.set(sign(device.signSecretKey, body), body.length);
      expect(codeOf(() => openEnvelope(relabelled, expectFor('update')))).toBe('BAD_SIGNATURE');
    }
    // signing the other context's prefix into the bytes does not help either
    const asMessage = signMessage(device.signSecretKey, prefixed(contextBytes('reactionSignature'), bytes));
    expect(codeOf(() => verifyReaction(device.signPublicKey, bytes, asMessage))).toBe('BAD_SIGNATURE');
  });

  it('a message signature by the identity key is not a device certificate', () => {
    const identity = generateIdentity();
    const cert = certifyDevice(identity, {
      userId: 'u',
      deviceId: 'd',
      signPublicKey: device.signPublicKey,
      boxPublicKey: device.boxPublicKey,
      issuedAt: 1,
    });
    // the identity signs something as a message; relabelling that signature as a certificate must fail
    const fake = { ...cert, signature: signMessage(identity.secretKey, text('device d of user u')) };
    expect(codeOf(() => verifyDeviceCertificate(identity.publicKey, fake))).toBe('BAD_CERTIFICATE');
    expect(codeOf(() => verifyDeviceCertificate(identity.publicKey, cert))).toBe('NO_THROW');
  });

  it('an epoch key sealed for conversation A or device B is refused elsewhere', () => {
    const sender = generateDeviceKeys();
    const bob = generateDeviceKeys();
    const carol = generateDeviceKeys();
    const sealed = sealEpochKey({
      conv: 'conv-a',
      epoch: 2,
      key: generateEpochKey(),
      recipientDevice: 'bob',
      recipientBoxPublicKey: bob.boxPublicKey,
      senderDevice: 'sender',
      senderSignSecretKey: sender.signSecretKey,
    });
    const params = (conv: string, recipientDevice: string, keys: typeof bob) => ({
      conv,
      recipientDevice,
      recipientBox: { publicKey: keys.boxPublicKey, secretKey: keys.boxSecretKey },
      senderSignPublicKey: (id: string) => (id === 'sender' ? sender.signPublicKey : undefined),
    });
    expect(codeOf(() => openEpochKey(sealed, params('conv-a', 'bob', bob)))).toBe('NO_THROW');
    expect(codeOf(() => openEpochKey(sealed, params('conv-b', 'bob', bob)))).toBe('WRONG_CONTEXT');
    expect(codeOf(() => openEpochKey(sealed, params('conv-a', 'carol', carol)))).toBe('WRONG_CONTEXT');
    // carol pretending to be bob cannot open bob's box
    expect(codeOf(() => openEpochKey(sealed, params('conv-a', 'bob', carol)))).toBe('DECRYPT_FAILED');
  });
});
