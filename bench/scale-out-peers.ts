// Scenario 2, scale-out: the same group traffic through 1 and 3 Mekong relays (Redis fan-out,
// PostgreSQL log: the cluster configuration of test/cluster) and through 1 and 3 Hocuspocus
// instances joined by @hocuspocus/extension-redis. Each configuration has its own redis-server.
// Members are spread over the instances (member i on instance i mod k), so with 3 instances two
// thirds of the deliveries cross Redis. Every server process and Redis are pinned to core 0, the
// load generator to core 1; CPU is read from /proc per process. PostgreSQL is the machine's shared
// server and its CPU is not counted. Every member decodes what it receives: across Hocuspocus
// instances one frame may carry several messages (the extension syncs by state vector), so frames
// cannot be counted as messages. No assertions.
// Each rate is run on the same processes: a light one (60 msg/s) where the server core sleeps
// between messages, and a busier one (150 msg/s; at 300, three relays and Redis on one core fall
// behind on a slow day). Beside the CPU per delivery it reports how often the server processes were
// woken per message, what they burn idle, and (peers/wake-cost.ts) what one wake-up of a process
// that does nothing but echo costs on this machine at that rate.
// Run alone: `npx tsx bench/scale-out-peers.ts [--quick] [--reps 3] [--systems mekong,hocuspocus] [--members 30] [--rate 60,150]`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, cpuSeconds, loopbackFetch, startCluster } from '../test/cluster';
import { startRedisServer } from '../test/cluster/redis-server';
import { mekongGroup, mekongProtocol } from './peers/mekong-protocol';
import { Room } from './peers/room';
import { canPin, type PeerServer, pinGenerator, pinProcess, SERVER_CORE, startPeerServer, watchProcess } from './peers/servers';
import { cpuNanos, measureWakeCost, type WakeCost, wakeups } from './peers/wake-cost';
import { fixedRate, type PhaseResult } from './peers/workload';
import { hocuspocusProtocol } from './peers/yjs-protocols';
import { profileClusterProcesses, startProfiles } from './scale-out-profile';

export interface ScaleOutPeersOptions {
  quick: boolean;
  log?: (s: string) => void;
  /** Runs per configuration; 3 by default (1 quick). */
  reps?: number;
  /** Which systems to run; both by default (the comparison needs both). */
  systems?: Array<'mekong' | 'hocuspocus'>;
  /** Group size; 30 by default (12 quick). The senders and the rate stay the same. */
  members?: number;
  /** Messages per second over all senders; 60 then 150 by default (30 quick). The first rate's figures are the headline ones. */
  rates?: number[];
}

export interface ScaleOutConfigFigures {
  system: 'mekong' | 'hocuspocus';
  instances: number;
  /** Medians over the runs. */
  run: PhaseResult;
  /** CPU seconds per 1,000 deliveries: the relay or Hocuspocus processes, and Redis on its own. */
  cpuPer1000Deliveries: { servers: number; redis: number; total: number };
  /** Times the server processes' main threads were woken (voluntary context switches), summed, per message sent. */
  wakeupsPerMessage: number;
  /** CPU the server processes and Redis burn with every member connected and nobody sending (ms per second). */
  idleCpuMsPerSecond: number;
  runs: PhaseResult[];
}

/** The four configurations at one offered rate. */
export interface ScaleOutAtRate {
  ratePerSecond: number;
  /** A process that only echoes frames, pinned where the servers are, fed at this rate: the cost of one wake-up here. */
  wakeCost: WakeCost;
  configs: ScaleOutConfigFigures[];
  /** The brief's targets, with the figures measured at this rate. */
  targets: { threeRelaysVsOne: string; mekongVsHocuspocusWithRedis: string };
}

export interface ScaleOutPeersResult {
  pinned: boolean;
  /** 1-minute load average of the machine at the start and the end. */
  loadAverage: [number, number];
  members: number;
  senders: number;
  seconds: number;
  /** The first rate's figures (the headline), as in atRates[0]. */
  ratePerSecond: number;
  wakeCost: WakeCost;
  configs: ScaleOutConfigFigures[];
  targets: { threeRelaysVsOne: string; mekongVsHocuspocusWithRedis: string };
  /** Every rate run, the first one included. */
  atRates: ScaleOutAtRate[];
}

interface Config {
  system: 'mekong' | 'hocuspocus';
  instances: number;
  room: Room;
  /** Server processes whose CPU counts (relays or Hocuspocus instances) and Redis. */
  servers: PeerServer[];
  redisPid: () => number | undefined;
  stop(): Promise<void>;
}

const median = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN;
};

async function mekongConfig(instances: number, members: number, senders: number, dir: string, log: (s: string) => void): Promise<Config> {
  const cluster: Cluster = await startCluster({ relays: instances, logLevel: 'warn' });
  try {
    for (const p of [cluster.api, ...cluster.relays]) if (p.pid) pinProcess(p.pid, SERVER_CORE);
    if (cluster.redis.pid) pinProcess(cluster.redis.pid, SERVER_CORE);
    const relays = cluster.relays.map((r) => r.url);
    // the cluster's API limits registrations per address: each account registers from one of its own
    const group = await mekongGroup(
      { api: cluster.api.url, relays, dir, log, fetchFor: (i) => loopbackFetch(`127.0.${10 + instances + Math.floor(i / 250)}.${(i % 250) + 2}`) },
      members,
      `so${instances}_${randomBytes(3).toString('hex')}`,
    );
    const room = new Room(mekongProtocol(relays, group.conv, group.accounts), { members, senders, sampledOthers: members });
    await room.connect();
    return {
      system: 'mekong',
      instances,
      room,
      servers: cluster.relays.map((r) => watchProcess(r.name, () => r.pid)),
      redisPid: () => cluster.redis.pid,
      async stop() {
        await room.close();
        await cluster.stop();
      },
    };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

async function hocuspocusConfig(instances: number, members: number, senders: number, dir: string): Promise<Config> {
  const own = mkdtempSync(join(dir, `hp${instances}-`));
  const redis = await startRedisServer(own);
  const started: PeerServer[] = [];
  try {
    if (redis.pid) pinProcess(redis.pid, SERVER_CORE);
    const prefix = `mekong-bench-${randomBytes(4).toString('hex')}`;
    for (let i = 0; i < instances; i++) {
      started.push(await startPeerServer(`hocuspocus-${i + 1}`, 'hocuspocus-server.ts', own, { REDIS_PORT: String(redis.port), REDIS_PREFIX: prefix }));
    }
    const doc = `scale-out-${randomBytes(4).toString('hex')}`;
    const room = new Room(hocuspocusProtocol(started.map((s) => `ws://127.0.0.1:${s.port}`), doc), { members, senders, sampledOthers: members });
    await room.connect();
    return {
      system: 'hocuspocus',
      instances,
      room,
      servers: started,
      redisPid: () => redis.pid,
      async stop() {
        await room.close();
        await Promise.all(started.map((s) => s.stop()));
        await redis.kill();
      },
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    await redis.kill();
    throw err;
  }
}

interface Run {
  r: PhaseResult;
  /** Redis CPU seconds over the run. */
  redis: number;
  /** Server main-thread wake-ups per message. */
  woken: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wakeupsOf = (c: Config) => c.servers.reduce((sum, p) => sum + wakeups(p.pid), 0);

function figuresOf(c: Config, rs: Run[], idleCpuMsPerSecond: number): ScaleOutConfigFigures {
  const per1000 = (x: Run) => (x.redis * 1000) / Math.max(1, x.r.deliveries);
  const servers = median(rs.map((x) => x.r.cpuSecondsPer1000Deliveries));
  const redis = median(rs.map(per1000));
  const total = median(rs.map((x) => x.r.cpuSecondsPer1000Deliveries + per1000(x)));
  const mid = [...rs].sort((a, b) => a.r.latencyMs.p99 - b.r.latencyMs.p99)[Math.floor((rs.length - 1) / 2)]!.r;
  const run = { ...mid, latencyMs: { p50: median(rs.map((x) => x.r.latencyMs.p50)), p99: median(rs.map((x) => x.r.latencyMs.p99)), samples: mid.latencyMs.samples } };
  return {
    system: c.system,
    instances: c.instances,
    run,
    cpuPer1000Deliveries: { servers, redis, total },
    wakeupsPerMessage: median(rs.map((x) => x.woken)),
    idleCpuMsPerSecond,
    runs: rs.map((x) => x.r),
  };
}

function targetsOf(figures: ScaleOutConfigFigures[], wake: WakeCost): ScaleOutAtRate['targets'] {
  const find = (s: string, k: number) => figures.find((f) => f.system === s && f.instances === k);
  const total = (f: ScaleOutConfigFigures | undefined) => f?.cpuPer1000Deliveries.total ?? Number.NaN;
  const m1 = find('mekong', 1);
  const m3 = find('mekong', 3);
  const h1 = find('hocuspocus', 1);
  const h3 = find('hocuspocus', 3);
  const grow = total(m3) / total(m1);
  const p50More = (m3?.run.latencyMs.p50 ?? Number.NaN) - (m1?.run.latencyMs.p50 ?? Number.NaN);
  const vsH = total(h3) / total(m3);
  // deliveries that never came, over all runs: a ratio against a peer that lost messages flatters it
  const lost = (f: ScaleOutConfigFigures | undefined) => {
    const missing = f?.runs.reduce((n, r) => n + r.missing, 0) ?? 0;
    const expected = f?.runs.reduce((n, r) => n + r.deliveries + r.missing, 0) ?? 0;
    return `${missing} of ${expected} deliveries missing`;
  };
  // the part of the difference that is the machine's: each extra wake-up per message costs at least
  // what it costs a process that does nothing else
  const deliveriesPerMessage = m1 && m1.run.messages > 0 ? m1.run.deliveries / m1.run.messages : Number.NaN;
  const extraWakeups = (m3?.wakeupsPerMessage ?? Number.NaN) - (m1?.wakeupsPerMessage ?? Number.NaN);
  const wakeShare = (extraWakeups * wake.cpuMicrosPerFrame) / 1000 / deliveriesPerMessage / (total(m3) - total(m1));
  return {
    threeRelaysVsOne:
      `goal ≤ 1.2× and p50 ≤ +1 ms: 3 relays + Redis use ${grow.toFixed(2)}× the CPU per delivery of 1 relay + Redis (${grow <= 1.2 ? 'met' : 'not met'}), ` +
      `p50 ${p50More >= 0 ? '+' : ''}${p50More.toFixed(1)} ms (${p50More <= 1 ? 'met' : 'not met'}); Hocuspocus 3 vs 1: ${(total(h3) / total(h1)).toFixed(2)}×` +
      (Number.isFinite(wakeShare) && grow > 1
        ? `; the relays are woken ${extraWakeups.toFixed(1)} more times per message, and at ${wake.cpuMicrosPerFrame.toFixed(0)} µs per wake-up here that alone is ${Math.round(Math.min(1, wakeShare) * 100)}% of the difference`
        : ''),
    mekongVsHocuspocusWithRedis:
      `goal ≥ 5× less: Hocuspocus ×3 + Redis uses ${vsH.toFixed(2)}× Mekong ×3 + Redis's CPU per delivery (${vsH >= 5 ? 'met' : 'not met'}); ` +
      `Hocuspocus ×3: ${lost(h3)}, Mekong ×3: ${lost(m3)}`,
  };
}

/**
 * 1 vs 3 Mekong relays with Redis against 1 vs 3 Hocuspocus instances with its Redis extension.
 * @example const r = await scaleOutPeersBench({ quick: true });
 */
export async function scaleOutPeersBench(opts: ScaleOutPeersOptions): Promise<ScaleOutPeersResult> {
  const log = opts.log ?? (() => {});
  const quick = opts.quick;
  const reps = opts.reps ?? (quick ? 1 : 3);
  const members = opts.members ?? (quick ? 12 : 30);
  const senders = quick ? 3 : 6;
  const rates = opts.rates ?? (quick ? [30] : [60, 150]);
  const seconds = quick ? 1.5 : 4;
  const dir = mkdtempSync(join(tmpdir(), 'mekong-scaleout-peers-'));
  const restore = pinGenerator();
  const load0 = loadavg()[0]!;
  const configs: Config[] = [];
  const systems = opts.systems ?? ['mekong', 'hocuspocus'];
  // BENCH_SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=<dir>" profiles the relays and the API from the first run on
  const profiling = profileClusterProcesses() !== undefined;
  log(`scale-out: a group of ${members}, ${senders} senders, ${rates.join(' and ')} msg/s for ${seconds} s; ${reps} run(s) per configuration and rate`);
  try {
    for (const k of systems.includes('mekong') ? [1, 3] : []) {
      const t0 = performance.now();
      configs.push(await mekongConfig(k, members, senders, dir, log));
      log(`  mekong, ${k} relay(s): up and connected in ${Math.round(performance.now() - t0)} ms`);
    }
    for (const k of systems.includes('hocuspocus') ? [1, 3] : []) {
      const t0 = performance.now();
      configs.push(await hocuspocusConfig(k, members, senders, dir));
      log(`  hocuspocus, ${k} instance(s) + redis: up and connected in ${Math.round(performance.now() - t0)} ms`);
    }
    // one uncounted run per configuration first: a process that just started runs cold code and
    // compiles it, and a relay of three sees a third of the deliveries, so it would stay cold longer
    if (!quick) {
      for (const c of configs) await fixedRate(c.room, c.servers, rates[0]!, seconds, 30_000);
      log(`  warmed up: one uncounted ${seconds} s run per configuration`);
    }
    // what each configuration burns with everyone connected and nobody sending (schedstat: a few
    // ms a second is a handful of 10 ms ticks, too coarse for stat's utime)
    const idle = new Map<Config, number>();
    for (const c of configs) {
      const pids = [...c.servers.map((p) => p.pid), c.redisPid()].filter((pid): pid is number => pid !== undefined && pid > 0);
      const nanos = () => pids.reduce((sum, pid) => sum + cpuNanos(pid), 0);
      const cpu0 = nanos();
      const t0 = performance.now();
      await sleep(quick ? 1000 : 3000);
      idle.set(c, (nanos() - cpu0) / 1e6 / ((performance.now() - t0) / 1000));
    }
    if (profiling) startProfiles(configs.flatMap((c) => c.servers.map((s) => s.pid)));
    const atRates: ScaleOutAtRate[] = [];
    for (const rate of rates) {
      const wakeCost = await measureWakeCost(rate, seconds);
      log(`  at ${rate} msg/s a process that only echoes a 300-byte frame uses ${wakeCost.cpuMicrosPerFrame.toFixed(0)} µs of CPU per frame`);
      const runs = new Map<Config, Run[]>(configs.map((c) => [c, []]));
      for (let rep = 0; rep < reps; rep++) {
        for (let i = 0; i < configs.length; i++) {
          const c = configs[(i + rep) % configs.length]!;
          const redis0 = cpuSeconds(c.redisPid()) ?? 0;
          const woken0 = wakeupsOf(c);
          const r = await fixedRate(c.room, c.servers, rate, seconds, 30_000);
          const redis = (cpuSeconds(c.redisPid()) ?? 0) - redis0;
          const woken = (wakeupsOf(c) - woken0) / Math.max(1, r.messages);
          runs.get(c)!.push({ r, redis, woken });
          log(
            `  ${rate} msg/s ${c.system.padEnd(10)} ×${c.instances}: p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms, ` +
              `${r.cpuSecondsPer1000Deliveries.toFixed(4)} CPU-s/1k deliveries (servers) + ${((redis * 1000) / Math.max(1, r.deliveries)).toFixed(4)} (redis), ` +
              `${woken.toFixed(2)} wake-ups/msg${r.missing ? `, ${r.missing} missing` : ''}`,
          );
        }
      }
      const figures = configs.map((c) => figuresOf(c, runs.get(c)!, idle.get(c) ?? Number.NaN));
      atRates.push({ ratePerSecond: rate, wakeCost, configs: figures, targets: targetsOf(figures, wakeCost) });
    }
    const first = atRates[0]!;
    return {
      pinned: canPin(),
      loadAverage: [load0, loadavg()[0]!],
      members,
      senders,
      seconds,
      ratePerSecond: first.ratePerSecond,
      wakeCost: first.wakeCost,
      configs: first.configs,
      targets: first.targets,
      atRates,
    };
  } finally {
    for (const c of configs) await c.stop().catch(() => undefined);
    restore();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('scale-out-peers.ts')) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const systems = arg('--systems')?.split(',') as ScaleOutPeersOptions['systems'];
  const reps = arg('--reps');
  const members = arg('--members');
  const rates = arg('--rate')?.split(',').map(Number);
  const r = await scaleOutPeersBench({
    quick: process.argv.includes('--quick'),
    log: (s) => process.stdout.write(`${s}\n`),
    ...(systems ? { systems } : {}),
    ...(reps ? { reps: Number(reps) } : {}),
    ...(members ? { members: Number(members) } : {}),
    ...(rates ? { rates } : {}),
  });
  process.stdout.write(`${JSON.stringify({ ...r, configs: undefined, targets: undefined }, (k, v) => (k === 'runs' ? undefined : v), 2)}\n`);
  process.exit(0);
}
