// A small, fast, seedable PRNG (mulberry32), shared by the relay's tests, the simulations and the
// benchmarks so a seed means the same data everywhere. No vitest here: the benchmarks load it too
// (`@mekong/relay/rng`).

/**
 * Numbers in [0, 1) from `seed`, the same sequence on every run.
 * @example const random = rng(42); random();
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
