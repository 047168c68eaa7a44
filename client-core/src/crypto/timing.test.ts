// Rough cost figures, printed for the record and never asserted (machines differ).
import { describe, expect, it } from 'vitest';
import { openEnvelope, sealEnvelope } from './envelope';
import { generateDeviceKeys, generateEpochKey, generateIdentity } from './keys';
import { derivePasswordSecrets } from './password';
import { safetyNumber } from './safety-number';
import { cryptoReady, sodium } from './sodium';

await cryptoReady();

describe('timing (printed, not asserted)', () => {
  it('measures envelope seal/open for a 300-byte message and password derivation', async () => {
    const device = generateDeviceKeys();
    const epochKey = generateEpochKey();
    const plaintext = sodium().randombytes_buf(300);
    const header = { kind: 'update', conv: 'conv-timing', epoch: 1, device: 'device-timing', counter: 0 } as const;
    const expectation = { kind: 'update', conv: 'conv-timing', signPublicKey: device.signPublicKey, epochKey } as const;
    const N = 2000;
    const envelopes: Uint8Array[] = [];
    for (let i = 0; i < 50; i++) openEnvelope(sealEnvelope({ ...header, counter: i }, plaintext, epochKey, device.signSecretKey), expectation);

    let t = performance.now();
    for (let i = 0; i < N; i++) envelopes.push(sealEnvelope({ ...header, counter: i }, plaintext, epochKey, device.signSecretKey));
    const sealUs = ((performance.now() - t) * 1000) / N;
    t = performance.now();
    for (const env of envelopes) openEnvelope(env, expectation);
    const openUs = ((performance.now() - t) * 1000) / N;

    t = performance.now();
    await derivePasswordSecrets('timing-user', 'a reasonable passphrase');
    const deriveMs = performance.now() - t;

    t = performance.now();
    safetyNumber({ userId: 'a', identityKey: generateIdentity().publicKey }, { userId: 'b', identityKey: generateIdentity().publicKey });
    const safetyMs = performance.now() - t;

    console.log(
      `[crypto timing] 300-byte envelope: seal ${sealUs.toFixed(1)} µs, open ${openUs.toFixed(1)} µs (mean of ${N}); ` +
        `derivePasswordSecrets (interactive) ${deriveMs.toFixed(0)} ms; safetyNumber ${safetyMs.toFixed(1)} ms; ` +
        `envelope overhead ${(envelopes[0]?.length ?? 0) - 300} bytes`,
    );
    expect(envelopes).toHaveLength(N);
  });
});
