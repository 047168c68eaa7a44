// Scenario 1, relay fan-out: one server process pinned to one core, the load generator pinned to
// the other, N members in one conversation (1-1, 10, 100, 1,000), 300-byte messages. Mekong (durable
// SQLite log with synchronous=FULL, encrypted envelopes) against the plain Yjs WebSocket server of
// y-websocket 1.x and Hocuspocus 3 (both in memory, unencrypted). Per group size a fresh server of
// each system; the repetitions alternate the systems back to back. No assertions.
// Run alone: `npx tsx bench/fanout.ts [--quick] [--sizes 2,10]`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mekongGroup, mekongProtocol } from './peers/mekong-protocol';
import { type Protocol, Room } from './peers/room';
import { canPin, type PeerServer, pinGenerator, startPeerServer } from './peers/servers';
import { fixedRate, type PhaseResult, saturation } from './peers/workload';
import { hocuspocusProtocol, yWebsocketProtocol } from './peers/yjs-protocols';

export type SystemName = 'mekong' | 'y-websocket' | 'hocuspocus';
export const SYSTEMS: SystemName[] = ['mekong', 'y-websocket', 'hocuspocus'];

export interface FanoutOptions {
  quick: boolean;
  log?: (s: string) => void;
  /** Group sizes; [2, 10, 100, 1000] by default ([2, 10] quick). */
  sizes?: number[];
  /** Runs per system and size; 3 by default (1 quick). */
  reps?: number;
}

/** Medians over the repetitions of one system at one group size. */
export interface SystemFigures {
  saturation: PhaseResult;
  fixed: PhaseResult;
  /** VmHWM of the server process at the end of the block (all repetitions). */
  peakRssBytes: number;
  runs: { saturation: PhaseResult[]; fixed: PhaseResult[] };
  errors?: Record<string, number>;
}

export interface FanoutSize {
  members: number;
  senders: number;
  fixedRatePerSecond: number;
  systems: Record<SystemName, SystemFigures>;
  /** Mekong divided by each peer: throughput (deliveries/s at saturation; > 1 is Mekong faster), CPU per delivery, p99 at the fixed rate, peak RSS, wire bytes per message (< 1 is Mekong cheaper). */
  ratios: Record<Exclude<SystemName, 'mekong'>, { throughput: number; cpuPerDelivery: number; p99AtFixedRate: number; peakRss: number; wireBytesPerMessage: number }>;
}

export interface FanoutResult {
  pinned: boolean;
  /** 1-minute load average of the machine at the start and the end: others' work competes for both cores. */
  loadAverage: [number, number];
  reps: number;
  sizes: FanoutSize[];
  targets: { throughputVsYWebsocket: string; throughputVsHocuspocus: string; p99At1000PerSecond: string };
}

/** Offered rate of the fixed-rate phase: 1,000 msg/s where the deliveries stay ~10-20k/s. */
const FIXED_RATE: Record<number, number> = { 2: 500, 10: 1000, 100: 200, 1000: 20 };
const fixedRateOf = (n: number) => FIXED_RATE[n] ?? Math.max(10, Math.round(20_000 / (n - 1)));
/**
 * The relay's per-connection frame limit during the benchmark: its default (300/s) protects against
 * a misbehaving client, and a benchmark sender is one on purpose. Lifted the way an operator would.
 */
const BENCH_FRAMES_PER_SECOND = 20_000;
/** At most 10 senders; 1-1 has two. */
const sendersOf = (n: number) => Math.min(n, 10);

const median = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN;
};

/** Field-by-field medians of phase results (each figure on its own). */
function medianPhase(runs: PhaseResult[]): PhaseResult {
  const first = runs[0]!;
  const out = { ...first, latencyMs: { ...first.latencyMs } } as PhaseResult;
  for (const key of Object.keys(first) as Array<keyof PhaseResult>) {
    if (typeof first[key] === 'number') (out as unknown as Record<string, number>)[key] = median(runs.map((r) => r[key] as number));
  }
  out.latencyMs = { p50: median(runs.map((r) => r.latencyMs.p50)), p99: median(runs.map((r) => r.latencyMs.p99)), samples: median(runs.map((r) => r.latencyMs.samples)) };
  return out;
}

interface Live {
  name: SystemName;
  server: PeerServer;
  room: Room;
  protocol: Protocol & { errors?: Record<string, number> };
}

async function startSystems(n: number, dir: string, log: (s: string) => void): Promise<Live[]> {
  const servers = await Promise.all([
    startPeerServer('mekong', 'mekong-server.ts', dir, { MEKONG_DATA_DIR: join(dir, 'mekong-data'), MEKONG_FRAMES_PER_SECOND: String(BENCH_FRAMES_PER_SECOND) }),
    startPeerServer('y-websocket', 'y-websocket-server.ts', dir),
    startPeerServer('hocuspocus', 'hocuspocus-server.ts', dir),
  ]);
  const [mk, yws, hp] = servers as [PeerServer, PeerServer, PeerServer];
  const live: Live[] = [];
  try {
    const base = `http://127.0.0.1:${mk.port}`;
    const group = await mekongGroup({ api: base, relays: [base], dir, log }, n, `f${n}_${randomBytes(3).toString('hex')}`);
    const doc = `fanout-${n}-${randomBytes(4).toString('hex')}`;
    const protocols: Array<[SystemName, PeerServer, Live['protocol']]> = [
      ['mekong', mk, mekongProtocol([base], group.conv, group.accounts, BENCH_FRAMES_PER_SECOND)],
      ['y-websocket', yws, yWebsocketProtocol([`ws://127.0.0.1:${yws.port}`], doc)],
      ['hocuspocus', hp, hocuspocusProtocol([`ws://127.0.0.1:${hp.port}`], doc)],
    ];
    for (const [name, server, protocol] of protocols) {
      const room = new Room(protocol, { members: n, senders: sendersOf(n) });
      const t0 = performance.now();
      await room.connect();
      live.push({ name, server, room, protocol });
      log(`    ${name}: ${n} members connected in ${Math.round(performance.now() - t0)} ms`);
    }
    return live;
  } catch (err) {
    for (const l of live) await l.room.close();
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
}

/** Length of the uncounted saturation run each system gets before the measured ones. */
const WARM_UP_SECONDS = 2;

async function runSize(n: number, reps: number, quick: boolean, log: (s: string) => void): Promise<FanoutSize> {
  const dir = mkdtempSync(join(tmpdir(), 'mekong-fanout-'));
  const rate = fixedRateOf(n);
  const senders = sendersOf(n);
  const phaseSeconds = quick ? 1 : 2;
  // messages in flight over all senders: enough to hide scheduling delays on a busy machine, few
  // enough in big groups that the server's send queues stay small
  const window = Math.max(2, Math.ceil((n <= 10 ? 128 : n <= 100 ? 64 : 16) / senders));
  log(`  ${n} members, ${senders} senders: saturation ${phaseSeconds} s, then ${rate} msg/s for ${phaseSeconds} s`);
  let live: Live[] = [];
  try {
    live = await startSystems(n, dir, log);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const runs = new Map<SystemName, { saturation: PhaseResult[]; fixed: PhaseResult[] }>(SYSTEMS.map((s) => [s, { saturation: [], fixed: [] }]));
  const lastRate = new Map<SystemName, number>();
  /** A saturation run of `seconds`, with frames prepared for a bit more than the last rate seen. */
  const saturate = async (l: Live, seconds: number): Promise<PhaseResult> => {
    const guess = lastRate.get(l.name) ?? (l.name === 'mekong' ? 300 * senders : 20_000 / Math.max(1, n / 10));
    const sat = await saturation(l.room, [l.server], { seconds, window, prepared: Math.ceil((guess * 1.3 * seconds) / senders) + window, drainTimeoutMs: 30_000 });
    lastRate.set(l.name, sat.messagesPerSecond);
    return sat;
  };
  try {
    // one uncounted saturation run per system first: the first seconds of a fresh server process are
    // spent compiling its hot paths (and Mekong's also warm SQLite's page cache and statements), and
    // counted, they fell on whichever system the rotation put first (Mekong's first run here was
    // typically a third of its later ones, the peers' about two thirds)
    for (const l of live) {
      const warm = await saturate(l, WARM_UP_SECONDS);
      log(`    ${l.name.padEnd(11)} warm-up ${Math.round(warm.deliveriesPerSecond)} deliveries/s (not counted)`);
    }
    for (let rep = 0; rep < reps; rep++) {
      // rotate the order so no system always runs right after the same other one
      const order = live.map((_, i) => live[(i + rep) % live.length]!);
      for (const l of order) {
        const sat = await saturate(l, phaseSeconds);
        const overloaded = sat.messagesPerSecond < 0.9 * rate;
        const fixed = await fixedRate(l.room, [l.server], rate, overloaded ? Math.min(1, phaseSeconds) : phaseSeconds, 30_000);
        if (overloaded) fixed.overloaded = true;
        runs.get(l.name)!.saturation.push(sat);
        runs.get(l.name)!.fixed.push(fixed);
        log(
          `    ${l.name.padEnd(11)} saturation ${Math.round(sat.deliveriesPerSecond)} deliveries/s (${Math.round(sat.messagesPerSecond)} msg/s, server ${Math.round(sat.serverBusy * 100)}% busy, generator ${Math.round(sat.generatorBusy * 100)}%, ${sat.cpuSecondsPer1000Deliveries.toFixed(4)} CPU-s/1k)` +
            ` | ${rate} msg/s: p50 ${fixed.latencyMs.p50.toFixed(1)} ms p99 ${fixed.latencyMs.p99.toFixed(1)} ms${overloaded ? ' (overloaded)' : ''}${fixed.missing ? `, ${fixed.missing} missing` : ''}${sat.missing ? `, saturation ${sat.missing} missing` : ''}`,
        );
      }
    }
  } catch (err) {
    for (const l of live) await l.room.close();
    await Promise.all(live.map((l) => l.server.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  for (const l of live) await l.room.close();
  const systems = {} as Record<SystemName, SystemFigures>;
  for (const l of live) {
    const r = runs.get(l.name)!;
    systems[l.name] = { saturation: medianPhase(r.saturation), fixed: medianPhase(r.fixed), peakRssBytes: l.server.peakRss(), runs: r, ...(l.protocol.errors ? { errors: l.protocol.errors } : {}) };
  }
  await Promise.all(live.map((l) => l.server.stop()));
  rmSync(dir, { recursive: true, force: true });
  const m = systems.mekong;
  const ratio = (peer: SystemFigures) => ({
    throughput: m.saturation.deliveriesPerSecond / peer.saturation.deliveriesPerSecond,
    cpuPerDelivery: m.saturation.cpuSecondsPer1000Deliveries / peer.saturation.cpuSecondsPer1000Deliveries,
    p99AtFixedRate: m.fixed.latencyMs.p99 / peer.fixed.latencyMs.p99,
    peakRss: m.peakRssBytes / peer.peakRssBytes,
    wireBytesPerMessage: m.saturation.wireBytesPerMessage / peer.saturation.wireBytesPerMessage,
  });
  return { members: n, senders, fixedRatePerSecond: rate, systems, ratios: { 'y-websocket': ratio(systems['y-websocket']), hocuspocus: ratio(systems.hocuspocus) } };
}

function targets(sizes: FanoutSize[]): FanoutResult['targets'] {
  const list = (peer: 'y-websocket' | 'hocuspocus', goal: number) =>
    sizes.map((s) => `${s.members}: ${s.ratios[peer].throughput.toFixed(2)}× ${s.ratios[peer].throughput >= goal ? 'met' : 'not met'}`).join(', ');
  const at1000 = sizes.find((s) => s.fixedRatePerSecond === 1000);
  return {
    throughputVsYWebsocket: `goal ≥ 1.5×; ${list('y-websocket', 1.5)}`,
    throughputVsHocuspocus: `goal ≥ 3×; ${list('hocuspocus', 3)}`,
    p99At1000PerSecond: at1000
      ? `goal < 25 ms; group of ${at1000.members} at 1,000 msg/s: p99 ${at1000.systems.mekong.fixed.latencyMs.p99.toFixed(1)} ms, ${at1000.systems.mekong.fixed.latencyMs.p99 < 25 ? 'met' : 'not met'}`
      : 'not measured (no size ran at 1,000 msg/s)',
  };
}

/**
 * Relay fan-out against y-websocket and Hocuspocus.
 * @example const r = await fanoutBench({ quick: true, log: console.log });
 */
export async function fanoutBench(opts: FanoutOptions): Promise<FanoutResult> {
  const log = opts.log ?? (() => {});
  const sizes = opts.sizes ?? (opts.quick ? [2, 10] : [2, 10, 100, 1000]);
  const reps = opts.reps ?? (opts.quick ? 1 : 3);
  const restore = pinGenerator();
  const pinned = canPin();
  const load0 = loadavg()[0]!;
  log(`fan-out: server on core 0, load generator on core 1${pinned ? '' : ' (taskset missing: not pinned)'}; ${reps} run(s) per system and size`);
  try {
    const out: FanoutSize[] = [];
    for (const n of sizes) out.push(await runSize(n, reps, opts.quick, log));
    return { pinned, loadAverage: [load0, loadavg()[0]!], reps, sizes: out, targets: targets(out) };
  } finally {
    restore();
  }
}

if (process.argv[1]?.endsWith('fanout.ts')) {
  const i = process.argv.indexOf('--sizes');
  const sizes = i > 0 ? process.argv[i + 1]!.split(',').map(Number) : undefined;
  const r = await fanoutBench({ quick: process.argv.includes('--quick'), log: (s) => process.stdout.write(`${s}\n`), ...(sizes ? { sizes } : {}) });
  process.stdout.write(`${JSON.stringify(r, (k, v) => (k === 'runs' ? undefined : v), 2)}\n`);
  process.exit(0);
}
