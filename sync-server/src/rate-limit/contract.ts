// The behaviour every RateLimiter adapter must show; each adapter's test file runs this suite.
import { describe, expect, it } from 'vitest';
import type { RateLimiter } from './port';

export interface RateLimiterSetup {
  /** A limiter allowing `attempts` per `windowMs`, on a clock the suite moves by `advance`. */
  create(attempts: number, windowMs: number): Promise<{ limiter: RateLimiter; advance(ms: number): void }>;
}

export function runRateLimiterContract(name: string, setup: RateLimiterSetup): void {
  describe(`RateLimiter contract: ${name}`, () => {
    it('allows a burst of `attempts`, then refuses with a retry delay', async () => {
      const { limiter } = await setup.create(3, 60_000);
      for (let i = 0; i < 3; i++) expect(await limiter.take('k')).toEqual({ allowed: true });
      const refused = await limiter.take('k');
      expect(refused.allowed).toBe(false);
      if (!refused.allowed) {
        expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(refused.retryAfterSeconds).toBeLessThanOrEqual(20);
      }
    });

    it('keeps keys apart', async () => {
      const { limiter } = await setup.create(1, 60_000);
      expect((await limiter.take('a')).allowed).toBe(true);
      expect((await limiter.take('a')).allowed).toBe(false);
      expect((await limiter.take('b')).allowed).toBe(true);
    });

    it('refills over time at attempts per window', async () => {
      const { limiter, advance } = await setup.create(2, 60_000);
      await limiter.take('k');
      await limiter.take('k');
      expect((await limiter.take('k')).allowed).toBe(false);
      advance(29_000);
      expect((await limiter.take('k')).allowed).toBe(false);
      advance(2_000);
      expect((await limiter.take('k')).allowed).toBe(true);
      expect((await limiter.take('k')).allowed).toBe(false);
    });

    it('refused attempts do not push the retry time further out', async () => {
      const { limiter, advance } = await setup.create(1, 10_000);
      await limiter.take('k');
      for (let i = 0; i < 50; i++) await limiter.take('k');
      advance(10_000);
      expect((await limiter.take('k')).allowed).toBe(true);
    });
  });
}
