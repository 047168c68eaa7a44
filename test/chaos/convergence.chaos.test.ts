// The full convergence fuzz (`npm run test:chaos`): 8 devices × MEKONG_CHAOS_OPS operations
// (default 10,000) on a network that drops, duplicates and reorders frames, with devices going
// offline, coming back, restarting and uploading snapshots. Passes when every device ends with a
// byte-identical document and shows every message exactly once in its final state. The figures go
// to bench/results/chaos.json as one JSON line. A failure prints the command that replays it; pin
// the seed in pinned-seeds.ts so `npm test` keeps checking it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ChaosReport, refusals, reproduceCommand, runChaos } from './fuzz';
import { PINNED_SEEDS } from './pinned-seeds';

const seed = process.env.MEKONG_CHAOS_SEED ? Number(process.env.MEKONG_CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
const ops = Number(process.env.MEKONG_CHAOS_OPS ?? 10_000);
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '../../bench/results/chaos.json');

function summary(r: ChaosReport) {
  return {
    at: new Date().toISOString(),
    seed: r.seed,
    ops: r.ops,
    replicas: r.replicas,
    faults: r.faults,
    attempted: r.attempted,
    ok: r.ok,
    lost: r.lost,
    duplicated: r.duplicated,
    unexpected: r.unexpected,
    recovered: r.recovered,
    divergent: r.divergent,
    identicalState: r.distinctStates === 1,
    documentBytes: r.documentBytes,
    epoch: r.epoch,
    refusals: refusals(r),
    performed: r.performed,
    network: r.network,
    problems: r.problems,
    durationMs: r.durationMs,
    healMs: r.healMs,
  };
}

function check(r: ChaosReport): void {
  const counts = { lost: r.lost, duplicated: r.duplicated, unexpected: r.unexpected, divergent: r.divergent, distinctStates: r.distinctStates, refusals: refusals(r) };
  expect(counts, r.examples.join('\n')).toEqual({ lost: 0, duplicated: 0, unexpected: 0, divergent: 0, distinctStates: 1, refusals: 0 });
  expect(r.ok).toBe(r.attempted);
}

async function replay(s: number, n: number, rotateEvery?: number): Promise<ChaosReport> {
  try {
    const r = await runChaos({ seed: s, ops: n, ...(rotateEvery ? { rotateEvery } : {}) });
    check(r);
    return r;
  } catch (err) {
    console.error(`chaos seed ${s} failed; reproduce with:\n  ${reproduceCommand(s, n)}\nand pin it in test/chaos/pinned-seeds.ts`);
    throw err;
  }
}

describe('chaos: convergence fuzz', () => {
  for (const p of PINNED_SEEDS) {
    it(`pinned seed ${p.seed} × ${p.ops} ops (${p.found})`, () => replay(p.seed, p.ops, p.rotateEvery).then(() => undefined));
  }

  it(`seed ${seed} × ${ops} ops: byte-identical documents, nothing lost or duplicated`, async () => {
    console.log(`chaos seed ${seed} × ${ops} ops; replay: ${reproduceCommand(seed, ops)}`);
    const r = await replay(seed, ops);
    const line = JSON.stringify(summary(r));
    console.log(line);
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${line}\n`);
  });
});
