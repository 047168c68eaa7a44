import { describe, expect, it } from 'vitest';
import { createArgon2Hasher, interactiveLimits, minimalLimits } from './argon2';

describe('argon2 hasher', () => {
  it('verifies the right secret only, with a fresh salt per hash', async () => {
    const hasher = await createArgon2Hasher(await minimalLimits());
    const a = await hasher.hash('secret-one');
    const b = await hasher.hash('secret-one');
    expect(a).toMatch(/^\$argon2id\$/);
    expect(a).not.toBe(b);
    expect(await hasher.verify(a, 'secret-one')).toBe(true);
    expect(await hasher.verify(a, 'secret-two')).toBe(false);
  });

  it('answers false, not an exception, for a hash it cannot read', async () => {
    const hasher = await createArgon2Hasher(await minimalLimits());
    expect(await hasher.verify('not a hash', 'x')).toBe(false);
    expect(await hasher.verify('', 'x')).toBe(false);
  });

  it('uses the interactive limits by default', async () => {
    const hasher = await createArgon2Hasher();
    const limits = await interactiveLimits();
    const started = performance.now();
    const hash = await hasher.hash('secret');
    const ms = performance.now() - started;
    expect(hash).toContain(`m=${limits.memlimit / 1024},t=${limits.opslimit},`);
    expect(await hasher.verify(hash, 'secret')).toBe(true);
    // Printed for the record: the cost a login pays (and blocks the event loop for).
    console.info(`argon2id interactive hash: ${ms.toFixed(0)} ms`);
  });
});
