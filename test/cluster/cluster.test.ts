// Three relay processes, an API process, PostgreSQL and a Redis of the test's own, all on loopback.
// People on different relays chat in 1-1 conversations and in groups spanning all relays; during a burst of messages one relay is
// SIGKILLed and restarted and Redis is restarted. Afterwards every acknowledged message is at
// every member exactly once and every replica of a conversation encodes the same document.
// MEKONG_CLUSTER_SEED repeats a run; MEKONG_CLUSTER_MESSAGES and MEKONG_CLUSTER_RATE make it bigger.
import { afterAll, describe, expect, it } from 'vitest';
import { allOf, ClusterRun, clusterSeed, describeResult, directConversations, type FaultContext, groupConversations } from './index';

const SKIP = process.env.MEKONG_SKIP_PG === '1' || process.env.MEKONG_SKIP_REDIS === '1';
function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number, not "${raw}"`);
  return n;
}
const MESSAGES = positiveInt('MEKONG_CLUSTER_MESSAGES', 2000);
const RATE = positiveInt('MEKONG_CLUSTER_RATE', 200);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How many sends had started when each fault struck. */
const faultsAt: number[] = [];

/** Mid-burst, side by side: SIGKILL one relay and start it again on the same port; SIGKILL Redis and start it again. */
async function killRelayAndRestartRedis(ctx: FaultContext): Promise<void> {
  faultsAt.length = 0;
  const relayFault = async () => {
    await ctx.burst.reached(Math.floor(ctx.messages * 0.25));
    const relay = ctx.random.pick(ctx.cluster.relays);
    ctx.log(`SIGKILL ${relay.name} (pid ${relay.pid}) after ${ctx.burst.sent()} sends`);
    faultsAt.push(ctx.burst.sent());
    await relay.kill('SIGKILL');
    ctx.count('relay SIGKILL');
    await sleep(1000);
    await relay.start();
    ctx.log(`${relay.name} is back (pid ${relay.pid}) after ${ctx.burst.sent()} sends`);
  };
  const redisFault = async () => {
    await ctx.burst.reached(Math.floor(ctx.messages * 0.6));
    ctx.log(`SIGKILL redis after ${ctx.burst.sent()} sends`);
    faultsAt.push(ctx.burst.sent());
    await ctx.cluster.restartRedis(500);
    ctx.count('redis restart');
    ctx.log(`redis is back after ${ctx.burst.sent()} sends`);
  };
  await Promise.all([relayFault(), redisFault()]);
}

describe.skipIf(SKIP)(`cluster of real processes${SKIP ? ' (skipped: MEKONG_SKIP_PG or MEKONG_SKIP_REDIS is set)' : ''}`, () => {
  const seed = clusterSeed();
  let run: ClusterRun | undefined;
  afterAll(async () => {
    await run?.stop();
  });

  it(`keeps every acknowledged message exactly once through a relay SIGKILL and a Redis restart (seed ${seed})`, { timeout: 240_000 }, async () => {
    const lines: string[] = [];
    const log = (line: string) => {
      lines.push(line);
      console.log(`[cluster] ${line}`);
    };
    log(`seed ${seed} (MEKONG_CLUSTER_SEED=${seed} repeats it), ${MESSAGES} messages at ${RATE}/s`);
    run = new ClusterRun({
      seed,
      relays: 3,
      users: 12,
      conversations: allOf(directConversations({ perUser: 2 }), groupConversations({ count: 2, size: 4 })),
      messages: MESSAGES,
      ratePerSecond: RATE,
      faults: killRelayAndRestartRedis,
      convergeTimeoutMs: 90_000,
      log,
    });
    let result: Awaited<ReturnType<ClusterRun['execute']>>;
    try {
      result = await run.execute();
    } catch (err) {
      console.log(`[cluster] failed with seed ${seed}; process logs:\n${run.cluster?.logs() ?? '(cluster not started)'}`);
      throw err;
    }
    const summary = describeResult(result);
    console.log(`[cluster] ${summary.replaceAll('\n', '\n[cluster] ')}`);
    if (!result.verdict.ok) console.log(`[cluster] process logs:\n${run.cluster?.logs()}`);

    // every pair crosses relays, every group spans all three, and the faults really happened during the burst
    for (const c of run.conversations) expect(new Set(c.members.map((m) => m.relay)).size, `${c.label} spans relays`).toBe(Math.min(c.members.length, 3));
    expect(run.conversations.filter((c) => c.label.startsWith('g'))).toHaveLength(2);
    expect(result.faults).toEqual({ 'relay SIGKILL': 1, 'redis restart': 1 });
    for (const at of faultsAt) expect(at, 'the fault struck during the burst').toBeLessThan(MESSAGES);
    const v = result.verdict;
    expect(v.sent, summary).toBe(MESSAGES);
    expect(v.stored, summary).toBe(v.sent);
    expect(v.acknowledged, summary).toBe(v.stored);
    expect({ lost: v.lost, duplicated: v.duplicated, unexpected: v.unexpected, divergent: v.divergent }, summary).toEqual({
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      divergent: 0,
    });
    expect(v.ok, summary).toBe(true);
  });
});
