// Connection capacity: how much relay memory an idle, authenticated, subscribed connection costs,
// against a plain `ws` server and a Socket.IO server holding the same number of idle connections;
// and, on request (`cluster`), relay processes sharing PostgreSQL and Redis holding ~100,000 at once.
// Memory per connection = (server RSS with N connections − RSS with none) / N, each read after a
// forced full GC in the server (--expose-gc); heap and RSS are reported apart. Servers run pinned to
// core 0, load generators (child processes) to core 1. No assertions.
// Run alone: `npx tsx bench/capacity.ts [--quick] [--connections 5000] [--runs 3] [--cluster 100000] [--cluster-only]
//   [--only mekong,ws,socketio] [--snapshot file]`.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClusterSchema } from '../test/cluster/postgres';
import { startRedisServer } from '../test/cluster/redis-server';
import { createTargets, refreshTargets } from './capacity/accounts';
import type { LoadEvent, LoadRequest, MemoryReport, ServerEvent, ServerRequest, System, Target } from './capacity/control';
import { type Child, startChild } from './capacity/procs';
import { peerToken } from './capacity/tokens';

/** The product's limit (relay/src/limits.ts): connections of one user on one relay. */
const PER_USER = 20;
const SERVER_CPU = 0;
const LOAD_CPU = 1;

type Server = Child<ServerRequest, ServerEvent>;
type Load = Child<LoadRequest, LoadEvent>;

/** Per-connection memory, in bytes: from zero (the brief's definition) and at the margin. */
export interface PerConnection {
  /** (RSS with N − RSS with none) / N. Understates when the process starts with spare heap pages. */
  rss: number;
  heap: number;
  /** Memory outside the JS heap that V8 knows of (Buffers, ArrayBuffers). */
  external: number;
  /** (RSS with N − RSS with N/5) / (4N/5): what one more connection costs a warm process. */
  marginalRss: number;
  marginalHeap: number;
}

export interface CapacityRun {
  connections: number;
  failed: number;
  /** Connections fully set up (authenticated and subscribed) per second. */
  connectPerSecond: number;
  /** Server CPU seconds spent per 1,000 connections set up. */
  cpuSecondsPer1000: number;
  perConnection: PerConnection;
  /** With no connection, with N/5, with N; each after a forced GC. */
  memory: { none: MemoryReport; fifth: MemoryReport; all: MemoryReport };
  ping: { sample: number; answered: number; p50Ms: number; p99Ms: number };
}

export interface SystemSummary {
  system: System;
  runs: CapacityRun[];
  /** Medians over the runs. */
  median: PerConnection & { connectPerSecond: number; cpuSecondsPer1000: number; rssWithAll: number };
}

export interface ClusterCase {
  relays: number;
  users: number;
  target: number;
  connections: number;
  failed: number;
  connectSeconds: number;
  connectPerSecond: number;
  /** CPU seconds of all relays together per 1,000 connections set up. */
  relayCpuSecondsPer1000: number;
  /** RSS of every relay process together: with no connection, and with all open; after a forced GC. */
  totalRelayRssNone: number;
  totalRelayRss: number;
  perConnection: PerConnection;
  /** Largest peak RSS (VmHWM) of one relay. */
  maxRelayPeakRss: number;
  perRelay: Array<{ connections: number; rssNone: number; rssFifth: number; rss: number; heapUsed: number; openFilesLimit: number }>;
  ping: { sample: number; answered: number; p50Ms: number; p99Ms: number; open: number };
}

export interface CapacityResult {
  quick: boolean;
  /** Idle connections held by one server process in the comparison. */
  connections: number;
  mekong: SystemSummary;
  ws: SystemSummary;
  socketio: SystemSummary;
  /** Mekong / peer, by median. Below 1 means Mekong uses less. */
  ratio: {
    rssVsWs: number;
    rssVsSocketio: number;
    marginalRssVsWs: number;
    marginalRssVsSocketio: number;
    heapVsWs: number;
    heapVsSocketio: number;
    cpuVsWs: number;
    cpuVsSocketio: number;
  };
  cluster?: ClusterCase;
}

export interface CapacityOptions {
  quick: boolean;
  log?: (s: string) => void;
  /** Idle connections per server in the comparison; 500 quick, 5,000 full. */
  connections?: number;
  /** Runs of each system in the comparison; 1 quick, 3 full. */
  runs?: number;
  /** Connections of the cluster case, e.g. 100,000 (takes 10–20 minutes here); 0 (default) skips it. */
  cluster?: number;
  /** Systems of the comparison; all three by default (ratios need them all). */
  systems?: System[];
  /** Write a heap snapshot of the Mekong server with its connections open to this file (first run). */
  heapSnapshot?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const is =
  <T extends string>(type: T) =>
  <E extends { type: string }>(e: E): e is Extract<E, { type: T }> =>
    e.type === type;

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat; CLK_TCK is 100 on Linux. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return 0;
  }
}

let nextId = 1;
async function memoryOf(server: Server): Promise<MemoryReport> {
  const id = nextId++;
  server.send({ type: 'memory', id });
  const e = await server.next((ev): ev is Extract<ServerEvent, { type: 'memory' }> => ev.type === 'memory' && ev.id === id, 60_000);
  return e.memory;
}

/** Memory once it has settled: reads after a GC until RSS moves by less than 1% between reads. */
async function settledMemory(server: Server): Promise<MemoryReport> {
  let last = await memoryOf(server);
  for (let i = 0; i < 5; i++) {
    await sleep(1000);
    const now = await memoryOf(server);
    const steady = Math.abs(now.rss - last.rss) < last.rss * 0.01;
    last = now;
    if (steady) break;
  }
  return last;
}

/** Source addresses 127.0.0.<from>..; each covers ~28k ephemeral ports per destination. */
const addresses = (from: number, count: number) => Array.from({ length: count }, (_, i) => `127.0.0.${from + i}`);

function startServer(system: System, dir: string, env: NodeJS.ProcessEnv, name: string = system): Promise<{ child: Server; ready: ServerEvent }> {
  const script = { mekong: 'bench/capacity/mekong-server.ts', ws: 'bench/capacity/ws-server.ts', socketio: 'bench/capacity/socketio-server.ts' }[system];
  // CAPACITY_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the servers
  const nodeArgs = process.env.CAPACITY_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return startChild<ServerRequest, ServerEvent>({ name, script, cpu: SERVER_CPU, exposeGc: true, nodeArgs, env, logFile: join(dir, `${name}.log`) }, 120_000);
}

function startLoad(dir: string, name: string): Promise<{ child: Load; ready: LoadEvent }> {
  return startChild<LoadRequest, LoadEvent>({ name, script: 'bench/capacity/load.ts', cpu: LOAD_CPU, logFile: join(dir, `${name}.log`) });
}

function perConnection(none: MemoryReport, fifth: MemoryReport, all: MemoryReport, n: number, nFifth: number): PerConnection {
  const n1 = Math.max(1, n);
  const rest = Math.max(1, n - nFifth);
  return {
    rss: (all.rss - none.rss) / n1,
    heap: (all.heapUsed - none.heapUsed) / n1,
    external: (all.external - none.external) / n1,
    marginalRss: (all.rss - fifth.rss) / rest,
    marginalHeap: (all.heapUsed - fifth.heapUsed) / rest,
  };
}

const describe = (p: PerConnection) =>
  `${kb(p.rss)} RSS/conn (marginal ${kb(p.marginalRss)}), heap ${kb(p.heap)}/conn (marginal ${kb(p.marginalHeap)})`;

type Connected = Extract<LoadEvent, { type: 'connected' }>;

async function oneRun(system: System, connections: number, run: number, log: (s: string) => void, heapSnapshot?: string): Promise<CapacityRun> {
  const dir = mkdtempSync(join(tmpdir(), `mekong-capacity-${system}-`));
  const secret = randomBytes(16).toString('hex');
  // as many users as the per-user limit needs, an even number (they pair up in 1-1 conversations)
  const users = Math.ceil(connections / PER_USER / 2) * 2;
  let server: Server | undefined;
  let load: Load | undefined;
  try {
    const started = await startServer(system, dir, { MEKONG_DATA_DIR: join(dir, 'data'), CAPACITY_SECRET: secret, MEKONG_ROLE: 'all' });
    server = started.child;
    const port = started.ready.type === 'ready' ? started.ready.port : 0;
    const targets =
      system === 'mekong'
        ? await createTargets(`http://127.0.0.1:${port}`, `cap${run}`, users)
        : Array.from({ length: users }, (_, i) => ({ id: `user${i}`, token: peerToken(secret, `user${i}`), conv: `conv${Math.floor(i / 2)}` }));
    const none = await settledMemory(server);
    load = (await startLoad(dir, `load-${system}`)).child;
    const url = system === 'socketio' ? `http://127.0.0.1:${port}` : `ws://127.0.0.1:${port}/sync`;
    const perTarget = Math.ceil(connections / users);
    const localAddresses = addresses(2, Math.max(1, Math.ceil(connections / 10_000)));
    const connect = async (slice: Target[]): Promise<Connected> => {
      load!.send({ type: 'connect', system, url, targets: slice, perTarget, localAddresses, concurrency: 64, timeoutMs: 60_000 });
      return load!.next(is('connected'), 900_000);
    };
    // a fifth first, then the rest: the second step shows what a connection costs a warm process
    const fifthUsers = Math.max(1, Math.round(users / 5));
    const cpu0 = cpuSeconds(server.pid);
    const first = await connect(targets.slice(0, fifthUsers));
    const cpu1 = cpuSeconds(server.pid);
    const fifth = await settledMemory(server);
    const cpu2 = cpuSeconds(server.pid);
    const second = await connect(targets.slice(fifthUsers));
    const cpu = cpu1 - cpu0 + (cpuSeconds(server.pid) - cpu2);
    const all = await settledMemory(server);
    if (heapSnapshot && system === 'mekong' && run === 0) {
      server.send({ type: 'heap-snapshot', id: nextId++, file: heapSnapshot });
      await server.next(is('heap-snapshot'), 300_000);
      log(`    heap snapshot written to ${heapSnapshot}`);
    }
    load.send({ type: 'ping', sample: Math.min(200, second.open), timeoutMs: 10_000 });
    const ping = await load.next(is('pinged'), 60_000);
    const n = second.open;
    const r: CapacityRun = {
      connections: n,
      failed: first.failed + second.failed,
      connectPerSecond: (n * 1000) / (first.ms + second.ms),
      cpuSecondsPer1000: (cpu * 1000) / Math.max(1, n),
      perConnection: perConnection(none, fifth, all, n, first.open),
      memory: { none, fifth, all },
      ping: { sample: ping.sample, answered: ping.answered, p50Ms: ping.p50Ms, p99Ms: ping.p99Ms },
    };
    const errors = { ...first.errors };
    for (const [k, v] of Object.entries(second.errors)) errors[k] = (errors[k] ?? 0) + v;
    const errs = Object.entries(errors).map(([k, v]) => `${v}× ${k}`).join('; ');
    log(
      `  ${system.padEnd(8)} run ${run + 1}: ${n} open${r.failed ? `, ${r.failed} failed (${errs})` : ''}, ${r.connectPerSecond.toFixed(0)}/s, ` +
        `${r.cpuSecondsPer1000.toFixed(2)} CPU-s/1000; RSS ${mb(none.rss)} → ${mb(fifth.rss)} → ${mb(all.rss)}: ${describe(r.perConnection)}; ping ${ping.answered}/${ping.sample}`,
    );
    return r;
  } finally {
    if (load) {
      load.send({ type: 'close' });
      await load.stop(2000);
    }
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function summarize(system: System, runs: CapacityRun[]): SystemSummary {
  const m = (f: (r: CapacityRun) => number) => median(runs.map(f));
  return {
    system,
    runs,
    median: {
      rss: m((r) => r.perConnection.rss),
      heap: m((r) => r.perConnection.heap),
      external: m((r) => r.perConnection.external),
      marginalRss: m((r) => r.perConnection.marginalRss),
      marginalHeap: m((r) => r.perConnection.marginalHeap),
      connectPerSecond: m((r) => r.connectPerSecond),
      cpuSecondsPer1000: m((r) => r.cpuSecondsPer1000),
      rssWithAll: m((r) => r.memory.all.rss),
    },
  };
}

/**
 * Relay processes sharing a PostgreSQL schema and a private Redis, each holding its share of
 * `target` idle connections from its own load generator; one API process registers the users.
 */
async function clusterCase(target: number, log: (s: string) => void): Promise<ClusterCase> {
  const dir = mkdtempSync(join(tmpdir(), 'mekong-capacity-cluster-'));
  // a process may open at most ~20,000 files here: keep each relay and each generator below 17,000 sockets
  const relays = Math.max(1, Math.ceil(target / 17_000));
  const usersPerRelay = Math.ceil(target / PER_USER / relays / 2) * 2;
  const users = usersPerRelay * relays;
  const schema = await createClusterSchema();
  const dirs = { redis: join(dir, 'redis') };
  mkdirSync(dirs.redis);
  const redis = await startRedisServer(dirs.redis);
  const env = { DATABASE_URL: schema.url, REDIS_URL: redis.url, MEKONG_TOKEN_SECRET: randomBytes(32).toString('hex'), MEKONG_DATA_DIR: dir };
  const servers: Server[] = [];
  const loads: Load[] = [];
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  try {
    const api = await schema.migrating(() =>
      startChild<ServerRequest, ServerEvent>({ name: 'api', script: 'bench/capacity/mekong-server.ts', env: { ...env, MEKONG_ROLE: 'api' }, logFile: join(dir, 'api.log') }, 120_000),
    );
    servers.push(api.child);
    const apiPort = api.ready.type === 'ready' ? api.ready.port : 0;
    const relayPorts: number[] = [];
    for (let r = 0; r < relays; r++) {
      const s = await startServer('mekong', dir, { ...env, MEKONG_ROLE: 'relay' }, `relay-${r}`);
      servers.push(s.child);
      relayPorts.push(s.ready.type === 'ready' ? s.ready.port : 0);
    }
    const relayServers = servers.slice(1);
    log(`  cluster: ${relays} relays + 1 API process, PostgreSQL schema ${schema.name}, private Redis; registering ${users} users …`);
    const t0 = performance.now();
    const targets = await createTargets(`http://127.0.0.1:${apiPort}`, 'cl', users, 32, (n) => n % 1000 === 0 && log(`    ${n} users`));
    log(`  registered ${users} users, each with a device and a 1-1 conversation, in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const none = await Promise.all(relayServers.map((s) => settledMemory(s)));
    for (let g = 0; g < relays; g++) loads.push((await startLoad(dir, `load-${g}`)).child);
    const perTarget = Math.min(PER_USER, Math.ceil(target / users));
    const fifthUsers = Math.max(1, Math.round(usersPerRelay / 5));
    const progress = new Map<number, number>();
    for (const [g, l] of loads.entries()) {
      l.onEvent((e) => {
        if (e.type === 'progress') progress.set(g, e.connected);
      });
    }
    const cpu = () => sum(relayServers.map((s) => cpuSeconds(s.pid)));
    let connectMs = 0;
    let cpuUsed = 0;
    let failures = 0;
    const base = `http://127.0.0.1:${apiPort}`;
    const stage = async (from: number, to: number) => {
      // access tokens live 15 minutes: each stage starts with fresh ones, as reconnecting clients would have
      await refreshTargets(base, targets);
      progress.clear();
      const ticker = setInterval(() => log(`    ${sum([...progress.values()])} connecting …`), 15_000);
      const c0 = performance.now();
      const cpu0 = cpu();
      try {
        const done = await Promise.all(
          loads.map((l, g) => {
            const mine = targets.slice(g * usersPerRelay, (g + 1) * usersPerRelay);
            l.send({
              type: 'connect',
              system: 'mekong',
              url: `ws://127.0.0.1:${relayPorts[g]}/sync`,
              targets: mine.slice(from, to),
              perTarget,
              localAddresses: addresses(2 + g * 4, 4),
              concurrency: 32,
              timeoutMs: 120_000,
            });
            return l.next(is('connected'), 1_800_000);
          }),
        );
        connectMs += performance.now() - c0;
        failures += sum(done.map((d) => d.failed));
        for (const [g, d] of done.entries()) {
          if (d.failed) log(`    relay ${g}: ${d.failed} failed (${Object.entries(d.errors ?? {}).map(([why, n]) => `${n}× ${why}`).join(', ')})`);
        }
        cpuUsed += cpu() - cpu0;
        return done;
      } finally {
        clearInterval(ticker);
      }
    };
    const first = await stage(0, fifthUsers);
    log(`  ${sum(first.map((d) => d.open))} connections open; measuring, then the rest …`);
    const fifth = await Promise.all(relayServers.map((s) => settledMemory(s)));
    // in two steps, so that no stage outlives the tokens it started with
    const middle = Math.round((fifthUsers + usersPerRelay) / 2);
    await stage(fifthUsers, middle);
    const second = await stage(middle, usersPerRelay);
    const total = sum(second.map((d) => d.open));
    const failed = failures;
    const connectSeconds = connectMs / 1000;
    log(`  ${total} connections open (${failed} failed) after ${connectSeconds.toFixed(0)} s of connecting: ${(total / connectSeconds).toFixed(0)}/s`);
    const all = await Promise.all(relayServers.map((s) => settledMemory(s)));
    // the sampled connections authenticate again with fresh tokens first, as clients do before theirs expire
    await refreshTargets(base, targets);
    const sample = Math.ceil(1000 / relays);
    loads.forEach((l, g) => {
      const fresh = Object.fromEntries(targets.slice(g * usersPerRelay, (g + 1) * usersPerRelay).map((t) => [t.id, t.token]));
      l.send({ type: 'ping', sample, timeoutMs: 15_000, fresh });
    });
    const pings = await Promise.all(loads.map((l) => l.next(is('pinged'), 120_000)));
    const totalOf = (ms: MemoryReport[]): MemoryReport => ({
      rss: sum(ms.map((m) => m.rss)),
      peakRss: sum(ms.map((m) => m.peakRss)),
      heapUsed: sum(ms.map((m) => m.heapUsed)),
      heapTotal: sum(ms.map((m) => m.heapTotal)),
      external: sum(ms.map((m) => m.external)),
      arrayBuffers: sum(ms.map((m) => m.arrayBuffers)),
      collected: ms.every((m) => m.collected),
    });
    const result: ClusterCase = {
      relays,
      users,
      target,
      connections: total,
      failed,
      connectSeconds,
      connectPerSecond: total / connectSeconds,
      relayCpuSecondsPer1000: (cpuUsed * 1000) / Math.max(1, total),
      totalRelayRssNone: totalOf(none).rss,
      totalRelayRss: totalOf(all).rss,
      perConnection: perConnection(totalOf(none), totalOf(fifth), totalOf(all), total, sum(first.map((d) => d.open))),
      maxRelayPeakRss: Math.max(...all.map((m) => m.peakRss)),
      perRelay: relayServers.map((s, r) => ({
        connections: second[r]!.open,
        rssNone: none[r]!.rss,
        rssFifth: fifth[r]!.rss,
        rss: all[r]!.rss,
        heapUsed: all[r]!.heapUsed,
        openFilesLimit: s.openFilesLimit(),
      })),
      ping: {
        sample: sum(pings.map((p) => p.sample)),
        answered: sum(pings.map((p) => p.answered)),
        p50Ms: median(pings.map((p) => p.p50Ms)),
        p99Ms: Math.max(...pings.map((p) => p.p99Ms)),
        open: sum(pings.map((p) => p.open)),
      },
    };
    log(
      `  relays: RSS ${mb(result.totalRelayRssNone)} → ${mb(result.totalRelayRss)} in all: ${describe(result.perConnection)}; ` +
        `${result.relayCpuSecondsPer1000.toFixed(2)} relay CPU-s/1000; ping answered by ${result.ping.answered}/${result.ping.sample} sampled connections ` +
        `(p50 ${result.ping.p50Ms.toFixed(1)} ms), ${result.ping.open} still open`,
    );
    return result;
  } finally {
    for (const l of loads) l.send({ type: 'close' });
    await Promise.all(loads.map((l) => l.stop(5000)));
    await Promise.all(servers.map((s) => s.stop(5000)));
    await redis.kill().catch(() => undefined);
    await schema.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Idle-connection capacity of one Mekong relay process against `ws` and Socket.IO, and (with `cluster`)
 * a relay cluster holding 100,000 connections.
 * @example const r = await capacityBench({ quick: true, log: console.log });
 */
export async function capacityBench(opts: CapacityOptions): Promise<CapacityResult> {
  const log = opts.log ?? (() => {});
  const connections = opts.connections ?? (opts.quick ? 500 : 5000);
  const runs = opts.runs ?? (opts.quick ? 1 : 3);
  const clusterTarget = opts.cluster ?? 0;
  if (opts.systems?.length !== 0) log(`capacity: ${connections} idle authenticated connections per server process, ${runs} run(s) each`);
  const byRun: Record<System, CapacityRun[]> = { mekong: [], ws: [], socketio: [] };
  for (let run = 0; run < runs; run++) {
    // back to back in each round, so a change in the machine's load hits all three alike
    for (const system of opts.systems ?? (['mekong', 'ws', 'socketio'] as const)) byRun[system].push(await oneRun(system, connections, run, log, opts.heapSnapshot));
  }
  const mekong = summarize('mekong', byRun.mekong);
  const ws = summarize('ws', byRun.ws);
  const socketio = summarize('socketio', byRun.socketio);
  const ratio = {
    rssVsWs: mekong.median.rss / ws.median.rss,
    rssVsSocketio: mekong.median.rss / socketio.median.rss,
    marginalRssVsWs: mekong.median.marginalRss / ws.median.marginalRss,
    marginalRssVsSocketio: mekong.median.marginalRss / socketio.median.marginalRss,
    heapVsWs: mekong.median.heap / ws.median.heap,
    heapVsSocketio: mekong.median.heap / socketio.median.heap,
    cpuVsWs: mekong.median.cpuSecondsPer1000 / ws.median.cpuSecondsPer1000,
    cpuVsSocketio: mekong.median.cpuSecondsPer1000 / socketio.median.cpuSecondsPer1000,
  };
  for (const s of [mekong, ws, socketio].filter((x) => x.runs.length > 0)) {
    log(`  median ${s.system.padEnd(8)}: ${describe(s.median)}; ${s.median.connectPerSecond.toFixed(0)} conn/s, ${s.median.cpuSecondsPer1000.toFixed(2)} CPU-s/1000`);
  }
  if (mekong.runs.length && ws.runs.length && socketio.runs.length) log(
    `  Mekong/ws: RSS ${ratio.rssVsWs.toFixed(2)}× (marginal ${ratio.marginalRssVsWs.toFixed(2)}×), heap ${ratio.heapVsWs.toFixed(2)}×; ` +
      `Mekong/Socket.IO: RSS ${ratio.rssVsSocketio.toFixed(2)}× (marginal ${ratio.marginalRssVsSocketio.toFixed(2)}×), heap ${ratio.heapVsSocketio.toFixed(2)}×`,
  );
  const result: CapacityResult = { quick: opts.quick, connections, mekong, ws, socketio, ratio };
  if (clusterTarget > 0) result.cluster = await clusterCase(clusterTarget, log);
  return result;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const num = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));
  const out = await capacityBench({
    quick: process.argv.includes('--quick'),
    log: (s) => process.stdout.write(`${s}\n`),
    ...(num('--connections') !== undefined ? { connections: num('--connections') } : {}),
    ...(num('--runs') !== undefined ? { runs: num('--runs') } : {}),
    ...(num('--cluster') !== undefined ? { cluster: num('--cluster') } : {}),
    ...(arg('--only') ? { systems: arg('--only')!.split(',') as System[] } : {}),
    ...(process.argv.includes('--cluster-only') ? { systems: [] } : {}),
    ...(arg('--snapshot') ? { heapSnapshot: resolve(arg('--snapshot')!) } : {}),
  });
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  process.exit(0);
}
