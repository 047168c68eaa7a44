// A seeded random source for the cluster scenarios: the same seed gives the same users, pairs,
// message order and fault timing (up to what the machine's scheduler decides).

/** A seed from MEKONG_CLUSTER_SEED, or a fresh one; print it so a failing run can be repeated. */
export function clusterSeed(): number {
  const given = process.env.MEKONG_CLUSTER_SEED;
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`MEKONG_CLUSTER_SEED must be a non-negative integer, not "${given}"`);
    return n;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  shuffle<T>(xs: readonly T[]): T[];
}

/** A small, fast 32-bit generator (mulberry32). */
export function seededRandom(seed: number): Random {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: (xs) => {
      if (xs.length === 0) throw new RangeError('pick from an empty list');
      return xs[int(xs.length)]!;
    },
    shuffle: (xs) => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}
