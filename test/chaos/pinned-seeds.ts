// Seeds that once made the chaos fuzz fail, with the settings they failed at. Each runs in
// `npm test` (test/sim/chaos-slice.test.ts, at a small op count) and in the full chaos run. Add a
// line per new failure. The clients run on real timers, so a seed replays the same operations and
// fault draws but not always the same interleaving: the bug each found also has a unit test.
export interface PinnedSeed {
  seed: number;
  ops: number;
  /** key rotation every this many updates, when the failure needed rotations */
  rotateEvery?: number;
  found: string;
}

export const PINNED_SEEDS: PinnedSeed[] = [
  {
    seed: 5,
    ops: 400,
    rotateEvery: 120,
    // first seen at 1,500 ops with rotation every 400 updates
    found: 'a snapshot parked under an epoch not known yet was retried as an update and thrown away (WRONG_CONTEXT)',
  },
  {
    seed: 1,
    ops: 200,
    found: 'an edit waiting for an earlier update of its author was reported as a forged removal (FORBIDDEN)',
  },
];
