// The convergence fuzz: N devices in one group chat through the real services, relay and client
// (sign, encrypt, log, fan out, decrypt, verify) over a network that drops, duplicates and
// reorders frames, while devices go offline, come back, restart from their storage and upload
// snapshots. Then the network heals and every device must hold the same document, byte for byte,
// and show every message exactly once in its final state. MEKONG_CHAOS_VERBOSE=1 prints progress
// and every problem a client reports.
import { createHash } from 'node:crypto';
import { type Conversation, createMemoryStorage, isMekongError, type MekongClient, type MessageView, type StoragePort } from '@mekong/client-core';
import type { Client } from '@mekong/client-core/testing';
import { rng, simulatedServices } from '../sim/network';
import { createFaultyNetwork, type Faults, NO_FAULTS, type NetworkStats } from './faulty-network';
import { Oracle, type Verdict } from './oracle';

export interface ChaosOptions {
  seed: number;
  ops: number;
  /** devices, one user each, all in one group (default 8) */
  replicas?: number;
  faults?: Faults;
  /** upload a snapshot after about this many applied updates (default 60) */
  snapshotEvery?: number;
  /** give up healing after this long (default 120 s) */
  healTimeoutMs?: number;
  /** start a new key epoch after this many updates in one (default 2,500) */
  rotateEvery?: number;
}

export interface ChaosReport extends Omit<Verdict, 'examples'> {
  seed: number;
  ops: number;
  replicas: number;
  faults: Faults;
  performed: Record<string, number>;
  /** distinct encoded documents among the replicas at the end; 1 means byte-identical */
  distinctStates: number;
  documentBytes: number;
  /** the group's key epoch at the end (rotations + 1) */
  epoch: number;
  /** problems the clients reported, by error code */
  problems: Record<string, number>;
  network: NetworkStats;
  durationMs: number;
  healMs: number;
  examples: string[];
}

export const DEFAULT_FAULTS: Faults = { drop: 0.02, duplicate: 0.03, reorder: 0.05 };
const EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🙏'];
/** Refusals that mean an honest device's change was rejected: never expected in this fuzz. */
const REFUSALS = new Set(['BAD_SIGNATURE', 'FORBIDDEN', 'UPDATE_REJECTED', 'DECRYPT_FAILED', 'WRONG_CONTEXT']);

interface Device {
  name: string;
  userId: string;
  storage: StoragePort;
  client: MekongClient;
  chat: Conversation;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const turn = () => new Promise((r) => setImmediate(r));

/** Storage that outlives a client: closing the client (a restart) keeps the data. */
function durable(s: StoragePort): StoragePort {
  return { get: (k) => s.get(k), put: (k, v) => s.put(k, v), delete: (k) => s.delete(k), range: (p, o) => s.range(p, o), batch: (ops) => s.batch(ops), close: async () => {} };
}

/** What the replica of a conversation knows about itself (test introspection only). */
function replicaOf(client: MekongClient, conv: string) {
  const run = (client as unknown as { run: { replicas: Map<string, { lastSeq: number; outboxSize(): Promise<number>; snapshotNow(): Promise<boolean> }> } | null }).run;
  return run?.replicas.get(conv);
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const random = rng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const faults = opts.faults ?? DEFAULT_FAULTS;
  const n = opts.replicas ?? 8;
  const sim = await simulatedServices();
  // the network draws from its own stream, so the operations a seed makes do not depend on how
  // many frames happened to be queued when it drew
  const net = createFaultyNetwork(sim.accept, rng(opts.seed ^ 0x5bd1e995), NO_FAULTS);
  const problems: Record<string, number> = {};
  const performed: Record<string, number> = {};
  const count = (k: string) => {
    performed[k] = (performed[k] ?? 0) + 1;
  };
  const devices: Device[] = [];
  const oracle = new Oracle();
  let groupId = '';

  // keep frames moving in the background while the driver awaits something that needs the relay
  let pumping = 0;
  const pumpWhile = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    pumping++;
    const loop = (async () => {
      while (!done) {
        net.flush(500);
        await sleep(1);
      }
    })();
    try {
      return await p;
    } finally {
      done = true;
      pumping--;
      await loop;
    }
  };
  const until = async (check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    await pumpWhile(
      (async () => {
        while (!(await check())) {
          if (Date.now() > deadline) throw new Error(`seed ${opts.seed}: timed out waiting for ${what}`);
          await sleep(5);
        }
      })(),
    );
  };

  const connect = async (name: string, storage: StoragePort): Promise<MekongClient> => {
    const c = await sim.client(net.transportFor(name), { storage, snapshotEvery: opts.snapshotEvery ?? 60, rotation: { afterUpdates: opts.rotateEvery ?? 2500 } });
    c.onProblem((e) => {
      const code = isMekongError(e) ? e.code : 'Error';
      if (process.env.MEKONG_CHAOS_VERBOSE) console.log('problem', name, code, e.message);
      problems[code] = (problems[code] ?? 0) + 1;
    });
    return c;
  };

  try {
    // --- set-up on a quiet network: accounts, one group with everyone, everyone has it open
    for (let i = 0; i < n; i++) {
      const name = `user${i}`;
      const storage = durable(createMemoryStorage());
      const client = await connect(name, storage);
      const s = await pumpWhile(client.register({ username: name, password: `${name} chaos password`, displayName: name.toUpperCase() }));
      devices.push({ name, userId: s.userId, storage, client, chat: undefined as unknown as Conversation });
    }
    const g = await pumpWhile(devices[0]!.client.createGroup({ name: 'chaos', members: devices.slice(1).map((d) => d.name) }));
    groupId = g.id;
    for (const d of devices) {
      await until(async () => (await d.client.conversations()).some((c) => c.id === groupId), 30_000, `${d.name} to see the group`);
      d.chat = await d.client.open(groupId);
    }

    // --- the storm
    if (process.env.MEKONG_CHAOS_VERBOSE) console.log('setup ms', Date.now() - started);
    net.setFaults(faults);
    const markAtRisk = (d: Device) => {
      for (const m of d.chat.messages()) if (m.mine && m.status === 'pending') oracle.atRisk.add(m.id);
    };
    for (let i = 0; i < opts.ops; i++) {
      const d = pick(devices);
      const r = random();
      try {
        if (r < 0.34) {
          const text = `${d.name}#${i}`;
          const v = await d.chat.send(text);
          oracle.sent(v.id, d.name, text);
          if (!net.isOnline(d.name)) oracle.atRisk.add(v.id);
          count('send');
        } else if (r < 0.46) {
          const own = oracle.editable(d.name);
          if (own.length) {
            const id = pick(own);
            const text = `${d.name}#${i} (edited)`;
            await d.chat.edit(id, text);
            oracle.edited(id, text);
            count('edit');
          }
        } else if (r < 0.5) {
          const own = oracle.editable(d.name);
          if (own.length) {
            const id = pick(own);
            await d.chat.recall(id);
            oracle.recalled(id);
            count('recall');
          }
        } else if (r < 0.72) {
          if (oracle.size) {
            const id = pick(oracle.ids());
            const emoji = random() < 0.2 ? null : pick(EMOJI);
            try {
              await d.chat.react(id, emoji);
              oracle.reacted(id, d.userId, emoji);
              count('react');
            } catch (err) {
              // not arrived on this device yet, or already recalled here: a user could not have reacted
              if (!isMekongError(err) || (err.code !== 'NOT_FOUND' && err.code !== 'BAD_REQUEST')) throw err;
              count('react refused');
            }
          }
        } else if (r < 0.75) {
          await d.chat.markRead();
          count('read');
        } else if (r < 0.78) {
          if (net.isOnline(d.name)) {
            markAtRisk(d);
            net.setOnline(d.name, false);
            count('offline');
          }
        } else if (r < 0.83) {
          const away = devices.filter((x) => !net.isOnline(x.name));
          if (away.length) {
            const back = pick(away);
            net.setOnline(back.name, true);
            back.client.reconnect();
            count('online');
          }
        } else if (r < 0.86) {
          markAtRisk(d);
          net.disconnect(d.name);
          count('disconnect');
        } else if (r < 0.88) {
          await replicaOf(d.client, groupId)?.snapshotNow();
          count('snapshot');
        } else if (r < 0.89) {
          markAtRisk(d);
          d.chat.close();
          await d.client.close();
          d.client = await connect(d.name, d.storage);
          d.chat = await d.client.open(groupId);
          count('restart');
        }
      } catch (err) {
        throw new Error(`seed ${opts.seed}: operation ${i} on ${d.name} failed: ${(err as Error).message}`, { cause: err });
      }
      // let the network and every device's queue move a little
      const steps = Math.floor(random() * 24);
      for (let k = 0; k < steps && net.deliverOne(); k++) {
        /* one frame */
      }
      if (i % 4 === 0 || pumping) await turn();
      if (process.env.MEKONG_CHAOS_VERBOSE && i % 500 === 0) console.log('op', i, 'ms', Date.now() - started, 'queued', net.pending);
    }

    // --- heal: no more faults, everyone online and reconnected, wait until everyone has everything
    const healStart = Date.now();
    net.setFaults(NO_FAULTS);
    for (const d of devices) {
      net.setOnline(d.name, true);
      net.disconnect(d.name);
      d.client.reconnect();
    }
    await until(
      async () => {
        const head = await sim.log.head(groupId);
        for (const d of devices) {
          const rep = replicaOf(d.client, groupId);
          if (!rep || d.client.status !== 'online' || rep.lastSeq < head || (await rep.outboxSize()) > 0) return false;
        }
        return net.pending === 0 && head === (await sim.log.head(groupId));
      },
      opts.healTimeoutMs ?? 120_000,
      'every device to converge',
    );
    const healMs = Date.now() - healStart;

    // --- judge: byte-identical documents, and every message once, in its final state, everywhere
    const states = new Map<string, number>();
    let documentBytes = 0;
    for (const d of devices) {
      const bytes = await (d.client as Client).encodedState(groupId);
      documentBytes = bytes.length;
      const h = createHash('sha256').update(bytes).digest('hex');
      states.set(h, (states.get(h) ?? 0) + 1);
    }
    const shown = new Map<string, MessageView[]>();
    for (const d of devices) {
      const view = await d.client.open(groupId);
      while (await view.loadOlder(500)) {
        /* the whole history */
      }
      shown.set(d.name, view.messages());
      view.close();
    }
    const verdict = oracle.judge(shown);
    const epoch = (await devices[0]!.client.group(groupId)).epoch;
    return {
      seed: opts.seed,
      ops: opts.ops,
      replicas: n,
      faults,
      ...verdict,
      performed,
      distinctStates: states.size,
      documentBytes,
      epoch,
      problems,
      network: net.stats,
      durationMs: Date.now() - started,
      healMs,
    };
  } finally {
    for (const d of devices) await d.client.close().catch(() => {});
    await sim.close();
  }
}

/** Problems that only a bug (or an attacker, absent here) causes. */
export function refusals(report: ChaosReport): number {
  return Object.entries(report.problems)
    .filter(([code]) => REFUSALS.has(code))
    .reduce((a, [, k]) => a + k, 0);
}

/** The command that replays one run. */
export function reproduceCommand(seed: number, ops: number): string {
  return `MEKONG_CHAOS_SEED=${seed} MEKONG_CHAOS_OPS=${ops} npx vitest run --project chaos test/chaos/convergence.chaos.test.ts`;
}
