// Where a client's catch-up time goes: a V8 CPU profile of this process taken while a real client
// catches up, with each sample attributed to a pipeline stage by the functions on its stack.
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

type Frame = ProfileNode['callFrame'];
const has = (frames: Frame[], test: (fn: string, url: string) => boolean) => frames.some((f) => test(f.functionName, f.url));
const inWasm = (frames: Frame[], re: RegExp) => frames.some((f) => f.url.startsWith('wasm') && re.test(f.functionName));
const ED25519 = /verify|ge25519|sc25519|fe25519|sha512|ed25519/i;
const AEAD = /chacha|poly1305|aead/i;

/** Stages in priority order: the first whose test matches a sample's stack (leaf first) takes the sample. */
const STAGES: Array<[stage: string, test: (frames: Frame[]) => boolean]> = [
  ['storage writes and reads (SQLite)', (fs) => has(fs, (_f, u) => u.includes('storage/sqlite') || u.includes('better-sqlite3'))],
  ['message signatures (Ed25519, one per message)', (fs) => has(fs, (f) => f === 'verifyMessage')],
  ['message signatures: canonical bytes and author lookup', (fs) => has(fs, (f, u) => (f === 'verify' && u.includes('author-check')) || f === 'canonicalMessage')],
  ['envelope signatures (Ed25519, one per update)', (fs) => has(fs, (f) => f === 'openEnvelope') && inWasm(fs, ED25519)],
  ['decryption (XChaCha20-Poly1305)', (fs) => has(fs, (f) => f === 'openEnvelope') && inWasm(fs, AEAD)],
  ['envelope open (signature + decryption, not split)', (fs) => has(fs, (f) => f === 'openEnvelope')],
  ['Yjs: validating updates', (fs) => has(fs, (f) => f === 'validateUpdate')],
  ['Yjs: applying updates', (fs) => has(fs, (f) => f === 'applyRemote' || f === 'loadTrusted')],
  ['Yjs: reading messages out of the document', (fs) => has(fs, (f, u) => u.includes('conversation-doc') && f !== 'applyRemote' && f !== 'loadTrusted')],
  ['message schema checks (zod)', (fs) => has(fs, (_f, u) => u.includes('/zod/'))],
  ['index entries (JSON)', (fs) => has(fs, (_f, u) => u.includes('local/json'))],
  ['frame decoding', (fs) => has(fs, (f) => f === 'decodeDown')],
  ['WebSocket receive', (fs) => has(fs, (_f, u) => u.includes('/node_modules/ws/'))],
  ['HTTP (session, conversation list, keys)', (fs) => has(fs, (_f, u) => u.includes('http/api') || u.includes('undici'))],
  ['membership log and keys', (fs) => has(fs, (_f, u) => u.includes('/membership/') || u.includes('/keys/'))],
  ['garbage collection', (fs) => has(fs, (f) => f === '(garbage collector)')],
  ['idle (waiting for the relay or disk)', (fs) => has(fs, (f) => f === '(idle)')],
];

/** Starts sampling; `stop()` returns milliseconds per stage over the sampled interval. */
export async function startStageProfile(intervalUs = 250): Promise<{ stop(): Promise<Record<string, number>> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
      session.disconnect();
      return attribute(profile);
    },
  };
}

function attribute(p: Profile): Record<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = new Map<number, string>();
  const classify = (leaf: number): string => {
    const hit = stageOf.get(leaf);
    if (hit) return hit;
    const frames: Frame[] = [];
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) frames.push(byId.get(id)!.callFrame);
    let stage = 'other JavaScript';
    if (frames.some((f) => f.functionName === 'startStageProfile')) stage = '(profiler start-up, not counted)';
    for (const [name, test] of stage === 'other JavaScript' ? STAGES : []) {
      if (test(frames)) {
        stage = name;
        break;
      }
    }
    if (stage === 'other JavaScript' && frames[0]?.functionName === '(program)') stage = 'other native work';
    stageOf.set(leaf, stage);
    return stage;
  };
  const out: Record<string, number> = {};
  const debug = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const s = classify(p.samples[i]!);
    out[s] = (out[s] ?? 0) + (p.timeDeltas[i] ?? 0) / 1000;
    if (process.env.MEKONG_BENCH_PROFILE_DEBUG && s === 'other JavaScript') {
      const chain: string[] = [];
      for (let id: number | undefined = p.samples[i]!; id !== undefined && chain.length < 8; id = parent.get(id)) {
        const f = byId.get(id)!.callFrame;
        chain.push(`${f.functionName}@${f.url.split('/').slice(-2).join('/')}`);
      }
      const key = chain.join(' < ');
      debug.set(key, (debug.get(key) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
    }
  }
  if (debug.size) {
    for (const [k, v] of [...debug].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stderr.write(`${v.toFixed(1)} ms  ${k}\n`);
  }
  delete out['(profiler start-up, not counted)'];
  for (const k of Object.keys(out)) out[k] = Math.round(out[k]! * 10) / 10;
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}
