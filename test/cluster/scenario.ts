// One cluster run from start to verdict: the cluster, registered users pinned to relays, the
// conversations of a set-up, a paced burst with optional faults during it, then waiting until the
// end state is right (or time is up). The cluster test and bench/scale-out.ts both drive this.
import { join } from 'node:path';
import { type ClusterUser, closeUsers, problemCounts, registerUsers } from './clients';
import { type Cluster, type ClusterCpu, startCluster } from './cluster';
import type { ClusterConversation, ConversationSetUp } from './conversations';
import { seededRandom } from './random';
import { type Burst, percentile, startBurst, Tracker } from './traffic';
import { type Verdict, verify } from './verify';

/** What the faults hook may do while the burst runs. */
export interface FaultContext {
  cluster: Cluster;
  burst: Burst;
  /** Total messages of the burst. */
  messages: number;
  /** A seeded random source of its own, so fault choices do not depend on send timing. */
  random: ReturnType<typeof seededRandom>;
  /** Counts a fault for the report (e.g. 'relay SIGKILL', 'redis restart'). */
  count(fault: string): void;
  log(line: string): void;
}

export interface ScenarioOptions {
  seed: number;
  relays: number;
  users: number;
  /** Which relay user `i` is pinned to; i mod relays by default. */
  relayOf?: (index: number) => number;
  conversations: ConversationSetUp;
  messages: number;
  ratePerSecond: number;
  /** Runs beside the burst; the burst's end waits for it too. */
  faults?: (ctx: FaultContext) => Promise<void>;
  /** How often clients re-read their conversation list; 300 ms by default (the product's is 5 s). */
  pollIntervalMs?: number;
  /** How long the end state may take to come right after the last send; 90 s by default. */
  convergeTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ScenarioResult {
  seed: number;
  relays: number;
  users: number;
  conversations: number;
  verdict: Verdict;
  faults: Record<string, number>;
  /** From the last send settling to the moment the end state was verified right (or time ran out). */
  convergeMs: number;
  /** From the first send to the last acknowledgement or delivery the tracker saw. */
  burstMs: number;
  /** Deliveries to members other than the sender, as the live views saw them. */
  deliveries: number;
  sendToDeliverMs: { p50: number; p99: number; max: number };
  /** CPU seconds during the burst and convergence; `clients` is this process, where every client runs. */
  cpuSeconds: ClusterCpu & { clients: number };
  /** Problems the clients reported, by code. */
  problems: Record<string, number>;
}

export class ClusterRun {
  cluster: Cluster | undefined;
  users: ClusterUser[] = [];
  conversations: ClusterConversation[] = [];
  tracker: Tracker | undefined;
  private stopped = false;

  constructor(readonly opts: ScenarioOptions) {}

  /** Starts everything, runs the burst and waits for the end state; stop() is still the caller's. */
  async execute(): Promise<ScenarioResult> {
    const { opts } = this;
    const log = opts.log ?? (() => {});
    const random = seededRandom(opts.seed);
    const t0 = performance.now();
    this.cluster = await startCluster({ relays: opts.relays });
    const cluster = this.cluster;
    log(`cluster up in ${Math.round(performance.now() - t0)} ms: api ${cluster.api.url}, relays ${cluster.relays.map((r) => r.port).join(' ')}, redis ${cluster.redis.port}, schema ${cluster.schema.name}`);
    this.users = await registerUsers({
      apiUrl: cluster.api.url,
      relayUrls: cluster.relays.map((r) => r.url),
      count: opts.users,
      dir: join(cluster.dir, 'clients'),
      pollIntervalMs: opts.pollIntervalMs ?? 300,
      ...(opts.relayOf ? { relayOf: opts.relayOf } : {}),
    });
    this.conversations = await opts.conversations(this.users, random);
    log(`${this.users.length} users, ${this.conversations.length} conversations: ${this.conversations.map((c) => `${c.label}=${c.members.map((m) => `${m.username}@r${m.relay + 1}`).join('+')}`).join(' ')}`);
    const tracker = new Tracker(this.conversations);
    this.tracker = tracker;

    const faults: Record<string, number> = {};
    const cpuBefore = cluster.cpu();
    const clientsBefore = process.cpuUsage();
    const burstStart = performance.now();
    const burst = startBurst(tracker, { messages: opts.messages, ratePerSecond: opts.ratePerSecond, random });
    const faulting = opts.faults?.({
      cluster,
      burst,
      messages: opts.messages,
      random: seededRandom(opts.seed ^ 0x5eed),
      count: (f) => {
        faults[f] = (faults[f] ?? 0) + 1;
      },
      log,
    });
    await Promise.all([burst.done, faulting]);
    const burstEnd = performance.now();
    log(`burst of ${opts.messages} sends done in ${Math.round(burstEnd - burstStart)} ms; waiting for the end state`);

    const deadline = burstEnd + (opts.convergeTimeoutMs ?? 90_000);
    let verdict: Verdict;
    let lastFull = 0;
    for (;;) {
      const now = performance.now();
      if (tracker.quiet() || now - lastFull > 3000 || now > deadline) {
        lastFull = now;
        verdict = await verify(this.conversations, tracker.sent);
        if (verdict.ok || performance.now() > deadline) break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const convergeMs = performance.now() - burstEnd;
    const cpuAfter = cluster.cpu();
    const clients = process.cpuUsage(clientsBefore);
    const lat = tracker.latencies();
    const lastEvent = Math.max(burstEnd, ...tracker.delivered.values(), ...tracker.acked.values());
    return {
      seed: opts.seed,
      relays: opts.relays,
      users: this.users.length,
      conversations: this.conversations.length,
      verdict,
      faults,
      convergeMs,
      burstMs: lastEvent - burstStart,
      deliveries: tracker.delivered.size,
      sendToDeliverMs: { p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), max: lat.length ? Math.max(...lat) : Number.NaN },
      cpuSeconds: {
        relays: cpuAfter.relays - cpuBefore.relays,
        api: cpuAfter.api - cpuBefore.api,
        redis: cpuAfter.redis - cpuBefore.redis,
        clients: (clients.user + clients.system) / 1e6,
      },
      problems: problemCounts(this.users),
    };
  }

  /** Closes the clients and stops the cluster; safe to call more than once and after a failure. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.tracker?.stop();
    await closeUsers(this.users);
    await this.cluster?.stop();
  }
}

/** One line per figure, for logs and reports. */
export function describeResult(r: ScenarioResult): string {
  const v = r.verdict;
  const f = Object.entries(r.faults).map(([k, n]) => `${k} ×${n}`).join(', ') || 'none';
  const p = Object.entries(r.problems).map(([k, n]) => `${k} ×${n}`).join(', ') || 'none';
  return [
    `seed ${r.seed}: ${r.relays} relay(s), ${r.users} users, ${r.conversations} conversations`,
    `messages sent ${v.sent}, stored ${v.stored}, acknowledged ${v.acknowledged}, lost ${v.lost}, duplicated ${v.duplicated}, unexpected ${v.unexpected}, divergent conversations ${v.divergent}`,
    `faults: ${f}`,
    `burst ${(r.burstMs / 1000).toFixed(1)} s, converged ${(r.convergeMs / 1000).toFixed(1)} s after the last send; deliveries ${r.deliveries}`,
    `send→deliver p50 ${r.sendToDeliverMs.p50.toFixed(1)} ms, p99 ${r.sendToDeliverMs.p99.toFixed(1)} ms, max ${r.sendToDeliverMs.max.toFixed(0)} ms`,
    `CPU s: relays ${r.cpuSeconds.relays.toFixed(2)}, api ${r.cpuSeconds.api.toFixed(2)}, redis ${r.cpuSeconds.redis.toFixed(2)}, clients ${r.cpuSeconds.clients.toFixed(2)}`,
    `client problems: ${p}`,
    ...(v.findings.length ? ['findings:', ...v.findings.map((x) => `  ${x}`)] : []),
  ].join('\n');
}
