// Scale-out benchmark: the same seeded traffic through 1 relay process and through 3 (Redis fan-out
// in both cases, PostgreSQL log, one API process), at a fixed message rate. Reports send→deliver
// latency at the recipients and CPU seconds per 1,000 deliveries summed over the relay processes
// (API and Redis apart), read from /proc. No assertions; the clients run in this process and share
// the machine's cores with the servers, so compare the two cases with each other, not with others.
// Run alone: `npx tsx bench/scale-out.ts [--quick] [--rate 300] [--seconds 20] [--reps 3]`.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterRun, describeResult, directConversations, type ScenarioResult } from '../test/cluster';
import { profileClusterProcesses, startProfiles } from './scale-out-profile';

export interface ScaleOutCase {
  relays: number;
  messages: number;
  ratePerSecond: number;
  /** Deliveries to recipients (each message reaches its one peer in a 1-1 conversation). */
  deliveries: number;
  lost: number;
  duplicated: number;
  sendToDeliverMs: { p50: number; p99: number };
  /** CPU seconds per 1,000 deliveries: all relay processes together, the API process, Redis. */
  cpuPer1000Deliveries: { relays: number; api: number; redis: number };
  /** From the first send until the last delivery or acknowledgement. */
  seconds: number;
}

export interface ScaleOutOptions {
  quick?: boolean;
  /** Messages per second over all senders; 100 by default (50 quick). */
  ratePerSecond?: number;
  /** Length of the send phase; 20 s by default (6 s quick). */
  seconds?: number;
  seed?: number;
  /** Clusters of each size, run alternately (1, 3, 1, 3, …); 3 by default (1 quick). Figures are medians. */
  reps?: number;
  log?: (line: string) => void;
}

export interface ScaleOutResult {
  /** Medians over the runs (each figure on its own); `runs` has every run. */
  oneRelay: ScaleOutCase;
  threeRelays: ScaleOutCase;
  /** 3 relays ÷ 1 relay in relay CPU per 1,000 deliveries, and the p50 difference in ms (medians of the pairs). */
  threeVsOne: { cpu: number; p50DeltaMs: number };
  runs: { oneRelay: ScaleOutCase[]; threeRelays: ScaleOutCase[] };
}

const USERS = 12;

const median = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN;
};

/** One case whose every figure is the median over `runs` (lost and duplicated: the worst run). */
function medianCase(runs: ScaleOutCase[]): ScaleOutCase {
  const m = (f: (c: ScaleOutCase) => number) => median(runs.map(f));
  const first = runs[0]!;
  return {
    ...first,
    deliveries: m((c) => c.deliveries),
    lost: Math.max(...runs.map((c) => c.lost)),
    duplicated: Math.max(...runs.map((c) => c.duplicated)),
    sendToDeliverMs: { p50: m((c) => c.sendToDeliverMs.p50), p99: m((c) => c.sendToDeliverMs.p99) },
    cpuPer1000Deliveries: { relays: m((c) => c.cpuPer1000Deliveries.relays), api: m((c) => c.cpuPer1000Deliveries.api), redis: m((c) => c.cpuPer1000Deliveries.redis) },
    seconds: m((c) => c.seconds),
  };
}

async function runCase(relays: number, opts: Required<Omit<ScaleOutOptions, 'quick' | 'reps'>>): Promise<{ summary: ScaleOutCase; result: ScenarioResult }> {
  const profiling = profileClusterProcesses() !== undefined;
  const messages = Math.round(opts.ratePerSecond * opts.seconds);
  const run = new ClusterRun({
    seed: opts.seed,
    relays,
    users: USERS,
    relayOf: (i) => i % relays,
    // the same pairs in both cases: people who would sit on different relays of the 3-relay cluster
    conversations: directConversations({ perUser: 2, apart: (a, b) => a.index % 3 !== b.index % 3 }),
    messages,
    ratePerSecond: opts.ratePerSecond,
    convergeTimeoutMs: 120_000,
    // the product's polling rate, so the API's share of the machine is what it would be
    pollIntervalMs: 5000,
    log: opts.log,
    // profiled runs (BENCH_SERVER_NODE_FLAGS="--cpu-prof ...") start the profiles with the burst
    ...(profiling ? { faults: async ({ cluster }) => startProfiles([cluster.api.pid, ...cluster.relays.map((r) => r.pid)]) } : {}),
  });
  try {
    const result = await run.execute();
    const per1000 = (cpu: number) => (result.deliveries > 0 ? (cpu * 1000) / result.deliveries : Number.NaN);
    return {
      result,
      summary: {
        relays,
        messages,
        ratePerSecond: opts.ratePerSecond,
        deliveries: result.deliveries,
        lost: result.verdict.lost,
        duplicated: result.verdict.duplicated,
        sendToDeliverMs: { p50: result.sendToDeliverMs.p50, p99: result.sendToDeliverMs.p99 },
        cpuPer1000Deliveries: { relays: per1000(result.cpuSeconds.relays), api: per1000(result.cpuSeconds.api), redis: per1000(result.cpuSeconds.redis) },
        seconds: result.burstMs / 1000,
      },
    };
  } finally {
    await run.stop();
  }
}

/**
 * 1 relay versus 3 relays under the same traffic.
 * @example const { oneRelay, threeRelays, threeVsOne } = await scaleOutBench({ quick: true });
 */
export async function scaleOutBench(options: ScaleOutOptions = {}): Promise<ScaleOutResult> {
  const quick = options.quick ?? false;
  const opts = {
    ratePerSecond: options.ratePerSecond ?? (quick ? 50 : 100),
    seconds: options.seconds ?? (quick ? 6 : 20),
    seed: options.seed ?? 20_261_129,
    log: options.log ?? (() => {}),
  };
  const reps = options.reps ?? (quick ? 1 : 3);
  const runs = { oneRelay: [] as ScaleOutCase[], threeRelays: [] as ScaleOutCase[] };
  for (let rep = 0; rep < reps; rep++) {
    const one = await runCase(1, opts);
    opts.log(describeResult(one.result));
    runs.oneRelay.push(one.summary);
    const three = await runCase(3, opts);
    opts.log(describeResult(three.result));
    runs.threeRelays.push(three.summary);
  }
  // pairs run back to back share the machine's load, so the ratio is taken per pair
  const pairs = runs.oneRelay.map((one, i) => ({ one, three: runs.threeRelays[i]! }));
  const threeVsOne = {
    cpu: median(pairs.map((p) => p.three.cpuPer1000Deliveries.relays / p.one.cpuPer1000Deliveries.relays)),
    p50DeltaMs: median(pairs.map((p) => p.three.sendToDeliverMs.p50 - p.one.sendToDeliverMs.p50)),
  };
  opts.log(`3 relays ÷ 1 relay: ${threeVsOne.cpu.toFixed(2)}× relay CPU per delivery, p50 ${threeVsOne.p50DeltaMs >= 0 ? '+' : ''}${threeVsOne.p50DeltaMs.toFixed(1)} ms (medians of ${reps} pairs)`);
  return { oneRelay: medianCase(runs.oneRelay), threeRelays: medianCase(runs.threeRelays), threeVsOne, runs };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const rate = arg('--rate');
  const seconds = arg('--seconds');
  const reps = arg('--reps');
  const out = await scaleOutBench({
    quick: process.argv.includes('--quick'),
    ...(rate ? { ratePerSecond: rate } : {}),
    ...(seconds ? { seconds } : {}),
    ...(reps ? { reps } : {}),
    log: (l) => process.stdout.write(`${l}\n`),
  });
  process.stdout.write(`${JSON.stringify({ ...out, runs: undefined }, null, 2)}\n`);
  process.exit(0);
}
