import { afterAll, describe, expect, it } from 'vitest';
import { createArgon2Hasher, minimalLimits } from './argon2';
import { createPooledArgon2Hasher, type PooledHasher } from './worker-pool';

let pool: PooledHasher;
afterAll(() => pool?.close());

describe('Argon2id on worker threads', () => {
  it('hashes and verifies like the in-thread hasher, in both directions', async () => {
    const limits = await minimalLimits();
    pool = await createPooledArgon2Hasher(limits, 2);
    const local = await createArgon2Hasher(limits);
    const h1 = await pool.hash('secret-one');
    const h2 = await local.hash('secret-one');
    expect(await local.verify(h1, 'secret-one')).toBe(true);
    expect(await pool.verify(h2, 'secret-one')).toBe(true);
    expect(await pool.verify(h1, 'secret-two')).toBe(false);
    expect(await pool.verify('not a hash', 'secret-one')).toBe(false);
  });

  it('reports the jobs not yet answered as its queue depth', async () => {
    const small = await createPooledArgon2Hasher(await minimalLimits(), 1);
    try {
      expect(small.pending).toBe(0);
      const jobs = [small.hash('a'), small.hash('b'), small.hash('c')];
      expect(small.pending).toBe(3);
      await Promise.all(jobs);
      expect(small.pending).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('starts its threads on the first job, not before, and refuses jobs once closed', async () => {
    const lazy = await createPooledArgon2Hasher(await minimalLimits(), 2);
    expect(lazy.threads).toBe(0);
    await lazy.close(); // nothing to stop
    const used = await createPooledArgon2Hasher(await minimalLimits(), 2);
    try {
      expect(used.threads).toBe(0);
      expect(await used.verify(await used.hash('secret'), 'secret')).toBe(true);
      expect(used.threads).toBe(2);
    } finally {
      await used.close();
    }
    expect(used.threads).toBe(0);
    await expect(used.hash('late')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('keeps the event loop free while hashing at the interactive cost', async () => {
    const heavy = await createPooledArgon2Hasher(undefined, 1);
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const started = Date.now();
      await heavy.hash('secret');
      const elapsed = Date.now() - started;
      clearInterval(timer);
      // the timer kept firing during the hash: at least a third of the slots it could have had
      expect(ticks).toBeGreaterThan(elapsed / 5 / 3);
    } finally {
      await heavy.close();
    }
  });
});
