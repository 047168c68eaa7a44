// Scale-out benchmark: the same seeded traffic through 1 relay process and through 3 (Redis fan-out
// in both cases, PostgreSQL log, one API process), at a fixed message rate. Reports send→deliver
// latency at the recipients and CPU seconds per 1,000 deliveries summed over the relay processes
// (API and Redis apart), read from /proc. No assertions; the clients run in this process and share
// the machine's cores with the servers, so compare the two cases with each other, not with others.
// Run alone: `npx tsx bench/scale-out.ts [--quick] [--rate 300] [--seconds 20]`.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterRun, describeResult, directConversations, type ScenarioResult } from '../test/cluster';

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
  log?: (line: string) => void;
}

const USERS = 12;

async function runCase(relays: number, opts: Required<Omit<ScaleOutOptions, 'quick'>>): Promise<{ summary: ScaleOutCase; result: ScenarioResult }> {
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
 * @example const { oneRelay, threeRelays } = await scaleOutBench({ quick: true });
 */
export async function scaleOutBench(options: ScaleOutOptions = {}): Promise<{ oneRelay: ScaleOutCase; threeRelays: ScaleOutCase }> {
  const quick = options.quick ?? false;
  const opts = {
    ratePerSecond: options.ratePerSecond ?? (quick ? 50 : 100),
    seconds: options.seconds ?? (quick ? 6 : 20),
    seed: options.seed ?? 20_261_129,
    log: options.log ?? (() => {}),
  };
  const one = await runCase(1, opts);
  opts.log(describeResult(one.result));
  const three = await runCase(3, opts);
  opts.log(describeResult(three.result));
  return { oneRelay: one.summary, threeRelays: three.summary };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const rate = arg('--rate');
  const seconds = arg('--seconds');
  const out = await scaleOutBench({
    quick: process.argv.includes('--quick'),
    ...(rate ? { ratePerSecond: rate } : {}),
    ...(seconds ? { seconds } : {}),
    log: (l) => process.stdout.write(`${l}\n`),
  });
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  process.exit(0);
}
