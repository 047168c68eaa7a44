import { describe, expect, it } from 'vitest';
import { runRateLimiterContract } from './contract';
import { createMemoryRateLimiter } from './memory';

runRateLimiterContract('memory', {
  async create(attempts, windowMs) {
    let t = 1_000_000;
    const limiter = createMemoryRateLimiter({ attempts, windowMs, now: () => t });
    return {
      limiter,
      advance: (ms) => {
        t += ms;
      },
    };
  },
});

describe('memory rate limiter', () => {
  it('stays within maxKeys under a flood of distinct keys, without forgetting a busy key', async () => {
    let t = 0;
    const limiter = createMemoryRateLimiter({ attempts: 1, windowMs: 60_000, maxKeys: 10, now: () => t });
    expect((await limiter.take('victim')).allowed).toBe(true);
    for (let i = 0; i < 50; i++) {
      t += 1;
      await limiter.take(`k${i}`);
      t += 1;
      // The busy key stays the most recently used one, so eviction takes the others first.
      expect((await limiter.take('victim')).allowed).toBe(false);
    }
    for (let i = 50; i < 1000; i++) await limiter.take(`k${i}`);
    expect((await limiter.take('k999')).allowed).toBe(false);
  });
});
