// The small seeded slice of the chaos fuzz that runs with every `npm test`: the pinned seeds that
// once failed, at the op counts they failed with, and one fresh seed. The full run is `npm run test:chaos`.
import { describe, expect, it } from 'vitest';
import { refusals, reproduceCommand, runChaos } from '../chaos/fuzz';
import { PINNED_SEEDS } from '../chaos/pinned-seeds';

const FRESH = { seed: Math.floor(Math.random() * 2 ** 31), ops: 300 };

describe('chaos slice: convergence under drops, duplicates, reordering, offline devices and restarts', () => {
  for (const { seed, ops, rotateEvery } of [...PINNED_SEEDS, FRESH] as Array<{ seed: number; ops: number; rotateEvery?: number }>) {
    it(`seed ${seed} × ${ops} ops`, async () => {
      try {
        const r = await runChaos({ seed, ops, ...(rotateEvery ? { rotateEvery } : {}) });
        const counts = { lost: r.lost, duplicated: r.duplicated, unexpected: r.unexpected, divergent: r.divergent, distinctStates: r.distinctStates, refusals: refusals(r) };
        expect(counts, r.examples.join('\n')).toEqual({ lost: 0, duplicated: 0, unexpected: 0, divergent: 0, distinctStates: 1, refusals: 0 });
        expect(r.attempted).toBeGreaterThan(0);
      } catch (err) {
        console.error(`chaos slice failed; reproduce with: ${reproduceCommand(seed, ops)}`);
        throw err;
      }
    }, 180_000);
  }
});
