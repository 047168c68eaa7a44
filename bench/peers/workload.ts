// The two measured phases of a fan-out run, the same for every system:
// - fixed rate: the senders share a fixed offered rate (round robin, paced by the clock), then the
//   run waits until every other member has every message;
// - saturation: each sender keeps a small window of messages that its probe member has not yet
//   received, so the server runs as fast as it can without unbounded queues; sending stops after
//   the given time and the run waits for the tail.
// Server CPU (from /proc, the server processes only) and peak RSS (sampled every 50 ms) are taken
// over the phase; wire bytes are counted at the generator's sockets.
import type { Room } from './room';
import { type PeerServer, sampleRss } from './servers';

export interface PhaseResult {
  phase: 'fixed' | 'saturation';
  /** Offered messages per second (fixed-rate phase). */
  offeredPerSecond?: number;
  /**
   * Fixed-rate phase only: the saturation phase just before reached less than 90% of the offered
   * rate, so queues grow for as long as the phase lasts; it is cut to one second and its latency
   * says "overloaded", not what the system does at a rate it can sustain.
   */
  overloaded?: boolean;
  messages: number;
  deliveries: number;
  /** Deliveries that never arrived before the drain timeout. */
  missing: number;
  /** From the first send to the last delivery. */
  seconds: number;
  messagesPerSecond: number;
  deliveriesPerSecond: number;
  latencyMs: { p50: number; p99: number; samples: number };
  serverCpuSeconds: number;
  cpuSecondsPer1000Deliveries: number;
  /** Deliveries per server CPU-second: what one dedicated core would carry if the work were CPU-bound. */
  deliveriesPerCpuSecond: number;
  /** Server CPU seconds per second of the phase: 1.0 is one core fully busy. */
  serverBusy: number;
  /** The load generator's CPU seconds per second: near 1.0 means the generator, not the server, set the pace. */
  generatorBusy: number;
  peakRssBytes: number;
  /** Everything on the generator's sockets (both directions, WebSocket headers included) per message sent. */
  wireBytesPerMessage: number;
  /** Bytes the sender put on the wire per message. */
  upBytesPerMessage: number;
  /** Bytes received per delivery (acks, echoes and sync status frames included). */
  downBytesPerDelivery: number;
  /** Frames a sampled member could not use, and sockets the server closed: both should be 0. */
  rejected: number;
  closedEarly: number;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = Float64Array.from(xs).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuOf = (servers: PeerServer[]) => servers.reduce((s, p) => s + p.cpu(), 0);

async function drain(room: Room, expected: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (room.deliveries < expected && performance.now() < deadline) await sleep(2);
  return performance.now();
}

function summarize(room: Room, phase: PhaseResult['phase'], started: number, ended: number, cpu: number, peakRss: number, gen: NodeJS.CpuUsage): PhaseResult {
  const messages = room.sentSinceReset();
  const expected = messages * (room.members - 1);
  const seconds = (ended - started) / 1000;
  const w = room.wire;
  return {
    phase,
    messages,
    deliveries: room.deliveries,
    missing: Math.max(0, expected - room.deliveries),
    seconds,
    messagesPerSecond: messages / seconds,
    deliveriesPerSecond: room.deliveries / seconds,
    latencyMs: { p50: percentile(room.latencies, 0.5), p99: percentile(room.latencies, 0.99), samples: room.latencies.length },
    serverCpuSeconds: cpu,
    cpuSecondsPer1000Deliveries: room.deliveries > 0 ? (cpu * 1000) / room.deliveries : Number.NaN,
    deliveriesPerCpuSecond: cpu > 0 ? room.deliveries / cpu : Number.NaN,
    serverBusy: cpu / seconds,
    generatorBusy: (gen.user + gen.system) / 1e6 / seconds,
    peakRssBytes: peakRss,
    wireBytesPerMessage: (w.bytesUp + w.bytesDown) / messages,
    upBytesPerMessage: w.bytesUp / messages,
    downBytesPerDelivery: room.deliveries > 0 ? w.bytesDown / room.deliveries : Number.NaN,
    rejected: room.rejected,
    closedEarly: room.closedEarly,
  };
}

/** `ratePerSecond` messages per second for `seconds`, spread round robin over the senders. */
export async function fixedRate(room: Room, servers: PeerServer[], ratePerSecond: number, seconds: number, drainTimeoutMs: number): Promise<PhaseResult> {
  const total = Math.max(1, Math.round(ratePerSecond * seconds));
  const senders = room.senders.length;
  room.prepare(Math.ceil(total / senders) + 1);
  room.reset();
  const rss = sampleRss(servers);
  const cpu0 = cpuOf(servers);
  const gen0 = process.cpuUsage();
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && start + (sent * 1000) / ratePerSecond <= now) room.send(sent++ % senders);
    if (sent < total) await sleep(Math.max(0, start + (sent * 1000) / ratePerSecond - performance.now()));
  }
  const end = await drain(room, total * (room.members - 1), drainTimeoutMs);
  const result = summarize(room, 'fixed', start, end, cpuOf(servers) - cpu0, rss.stop(), process.cpuUsage(gen0));
  result.offeredPerSecond = ratePerSecond;
  return result;
}

export interface SaturationOptions {
  seconds: number;
  /** Messages per sender not yet seen by its probe. */
  window: number;
  /** Frames prepared per sender before the phase (more are made on the spot if needed). */
  prepared: number;
  drainTimeoutMs: number;
}

/** As fast as the server goes: windowed senders for `seconds`, then the tail. */
export async function saturation(room: Room, servers: PeerServer[], o: SaturationOptions): Promise<PhaseResult> {
  room.prepare(o.prepared);
  room.reset();
  // where the server limits frames per connection, stay 10% under it as a well-behaved client does
  const cap = room.protocol.maxFramesPerSecond ? room.protocol.maxFramesPerSecond * 0.9 : Number.POSITIVE_INFINITY;
  const rss = sampleRss(servers);
  const cpu0 = cpuOf(servers);
  const gen0 = process.cpuUsage();
  const start = performance.now();
  const stopAt = start + o.seconds * 1000;
  const sentBy = room.senders.map(() => 0);
  const pump = (s: number) => {
    const now = performance.now();
    if (now >= stopAt) return;
    const allowed = Number.isFinite(cap) ? ((now - start) / 1000) * cap + o.window : Number.POSITIVE_INFINITY;
    while (room.inFlight(s) < o.window && sentBy[s]! + 1 <= allowed) {
      room.send(s);
      sentBy[s]!++;
    }
  };
  room.onProbe = pump;
  // restarts senders held back by the frame cap, and any whose probe went quiet
  const pumpAll = () => {
    for (let s = 0; s < room.senders.length; s++) pump(s);
  };
  const ticker = setInterval(pumpAll, 5);
  pumpAll();
  await sleep(o.seconds * 1000);
  clearInterval(ticker);
  room.onProbe = () => {};
  const end = await drain(room, room.sentSinceReset() * (room.members - 1), o.drainTimeoutMs);
  return summarize(room, 'saturation', start, end, cpuOf(servers) - cpu0, rss.stop(), process.cpuUsage(gen0));
}
