// Scenario 7, the evidence behind the document model: Yjs (what Mekong uses) against Automerge on
// Mekong's message workload, an id-keyed map of small message objects. For each: cost of appending
// one message at full size (one change each, as a client sends them), encoded size, time to
// load it and show the newest 50, and memory after loading. Each build and each load runs in a fresh
// child process pinned to one core, so memory figures are not polluted by earlier work.
// Run alone: `npx tsx bench/automerge.ts [--quick]`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Automerge from '@automerge/automerge';
import * as Y from 'yjs';
import { type BenchMessage, type BenchOptions, cpuMsSince, median, memoryMb, messages, ratio, round, runChild } from './client-util';
import { newest50 } from './newest';

const SCRIPT = fileURLToPath(import.meta.url);
const CORE = 1;
/** Single appends timed at the end of a build, for the append cost at full size. */
const TAIL = 200;
/** Automerge's proxy API re-materializes the document on each change: fewer timed appends. */
const AUTOMERGE_TAIL = 20;

interface BuildResult {
  messages: number;
  /** bulk build, wall and CPU microseconds per message (Yjs: one change per message; Automerge: one change for the bulk) */
  buildUsPerMessage: number;
  buildCpuUsPerMessage: number;
  /** median wall time of the last appends, one message per change, through the API an app uses */
  appendAtSizeUs: number;
  /** mean CPU time of those appends */
  appendAtSizeCpuUs: number;
  encodedBytes: number;
  encodeMs: number;
}

interface LoadResult {
  loadMs: number;
  /** CPU time of load + newest 50 */
  latest50CpuMs: number;
  /** load + find the newest 50 messages */
  latest50Ms: number;
  rssMb: number;
  heapMb: number;
}

// ---- Yjs --------------------------------------------------------------------------------------

function buildYjs(all: BenchMessage[], file: string): BuildResult {
  const doc = new Y.Doc();
  const map = doc.getMap<BenchMessage>('messages');
  const bulk = all.length - TAIL;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < bulk; i++) map.set(all[i]!.id, { ...all[i]! });
  const tail: number[] = [];
  const ct = process.cpuUsage();
  for (let i = bulk; i < all.length; i++) {
    const t = performance.now();
    map.set(all[i]!.id, { ...all[i]! });
    tail.push((performance.now() - t) * 1000);
  }
  const tailCpu = (cpuMsSince(ct) * 1000) / TAIL;
  const buildMs = performance.now() - t0;
  const cpu = cpuMsSince(c0);
  const te = performance.now();
  const bytes = Y.encodeStateAsUpdate(doc);
  const encodeMs = performance.now() - te;
  writeFileSync(file, bytes);
  return {
    messages: all.length,
    buildUsPerMessage: (buildMs * 1000) / all.length,
    buildCpuUsPerMessage: (cpu * 1000) / all.length,
    appendAtSizeUs: median(tail),
    appendAtSizeCpuUs: tailCpu,
    encodedBytes: bytes.length,
    encodeMs,
  };
}


function loadYjs(file: string): LoadResult {
  const bytes = new Uint8Array(readFileSync(file));
  const before = memoryMb();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const doc = new Y.Doc();
  Y.applyUpdate(doc, bytes);
  const loadMs = performance.now() - t0;
  const map = doc.getMap<BenchMessage>('messages');
  const top = newest50(map.values());
  const latest50Ms = performance.now() - t0;
  const latest50CpuMs = cpuMsSince(c0);
  if (top.length !== 50) throw new Error('Yjs load lost messages');
  const after = memoryMb();
  return { loadMs, latest50Ms, latest50CpuMs, rssMb: round(after.rss - before.rss, 1), heapMb: round(after.heapUsed - before.heapUsed, 1) };
}

// ---- Automerge ----------------------------------------------------------------------------------

type AmDoc = { messages: Record<string, unknown> };

/** A message as an Automerge value: strings are atomic (ImmutableString), like a Yjs map value, not collaborative text. */
function amValue(m: BenchMessage) {
  const S = (s: string) => new Automerge.ImmutableString(s);
  return { id: S(m.id), author: { user: S(m.author.user), device: S(m.author.device) }, kind: S(m.kind), body: S(m.body), sentAt: m.sentAt, sig: S(m.sig) };
}

function buildAutomerge(all: BenchMessage[], file: string): BuildResult {
  // Every message as its own change through the backend costs ~2x the CPU of one bulk change and
  // would take most of an hour for 100,000 messages on this shared machine; the bulk goes in as one
  // change (the same operations; per-change metadata adds ~3.5% to the encoded size, measured at
  // 3,000 messages). The timed tail is one message per change through the proxy API an app uses.
  const tailN = Math.min(TAIL, AUTOMERGE_TAIL);
  const bulk = all.length - tailN;
  const initial: Record<string, unknown> = {};
  for (let i = 0; i < bulk; i++) initial[all[i]!.id] = amValue(all[i]!);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let doc = Automerge.from<AmDoc>({ messages: initial });
  const bulkMs = performance.now() - t0;
  const bulkCpu = cpuMsSince(c0);
  const tail: number[] = [];
  const ct = process.cpuUsage();
  for (let i = bulk; i < all.length; i++) {
    const m = all[i]!;
    const t = performance.now();
    doc = Automerge.change(doc, (d) => {
      d.messages[m.id] = amValue(m);
    });
    tail.push((performance.now() - t) * 1000);
  }
  const tailCpu = (cpuMsSince(ct) * 1000) / tailN;
  const te = performance.now();
  const bytes = Automerge.save(doc);
  const encodeMs = performance.now() - te;
  writeFileSync(file, bytes);
  return {
    messages: all.length,
    buildUsPerMessage: (bulkMs * 1000) / bulk,
    buildCpuUsPerMessage: (bulkCpu * 1000) / bulk,
    appendAtSizeUs: median(tail),
    appendAtSizeCpuUs: tailCpu,
    encodedBytes: bytes.length,
    encodeMs,
  };
}

function loadAutomerge(file: string): LoadResult {
  const bytes = new Uint8Array(readFileSync(file));
  const before = memoryMb();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const doc = Automerge.load<{ messages: Record<string, { sentAt: number }> }>(bytes);
  const loadMs = performance.now() - t0;
  const top = newest50(Object.values(doc.messages));
  const latest50Ms = performance.now() - t0;
  const latest50CpuMs = cpuMsSince(c0);
  if (top.length !== 50) throw new Error('Automerge load lost messages');
  const after = memoryMb();
  return { loadMs, latest50Ms, latest50CpuMs, rssMb: round(after.rss - before.rss, 1), heapMb: round(after.heapUsed - before.heapUsed, 1) };
}

// ---- the scenario -------------------------------------------------------------------------------

export interface DocEngineRow {
  engine: 'yjs' | 'automerge';
  messages: number;
  buildUsPerMessage: number;
  buildCpuUsPerMessage: number;
  appendAtSizeUs: number;
  appendAtSizeCpuUs: number;
  encodedBytes: number;
  bytesPerMessage: number;
  loadMs: number;
  latest50Ms: number;
  latest50CpuMs: number;
  /** RSS growth after load + GC (includes WebAssembly memory, which the JS heap figure does not) */
  rssMb: number;
  heapMb: number;
  loadRuns: number;
}

export interface YjsVsAutomergeResult {
  rows: DocEngineRow[];
  /** Automerge / Yjs at the largest size: above 1 means Automerge costs more */
  ratios: { appendAtSizeCpu: number; encodedBytes: number; latest50Cpu: number; rss: number };
}

/**
 * Scenario 7: Yjs vs Automerge on the message workload.
 * @example const r = await yjsVsAutomergeBench({ quick: true });
 */
export async function yjsVsAutomergeBench(opts: BenchOptions): Promise<YjsVsAutomergeResult> {
  const log = opts.log ?? (() => {});
  const n = opts.quick ? 2_000 : 100_000;
  const runs = opts.quick ? 1 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'mekong-bench-am-'));
  try {
    const rows: DocEngineRow[] = [];
    for (const engine of ['yjs', 'automerge'] as const) {
      const file = join(dir, `${engine}.bin`);
      log(`  ${engine}: building a history of ${n.toLocaleString('en')} messages …`);
      const b = await runChild<BuildResult>(SCRIPT, ['build', engine, String(n), file], { core: CORE, timeoutMs: 900_000 });
      const loads: LoadResult[] = [];
      // loading 100,000 messages into Automerge takes minutes here: one load in full mode
      const loadRuns = engine === 'automerge' && !opts.quick ? 1 : runs;
      for (let r = 0; r < loadRuns; r++) loads.push(await runChild<LoadResult>(SCRIPT, ['load', engine, file], { core: CORE, nodeArgs: ['--expose-gc'], timeoutMs: 900_000 }));
      const row: DocEngineRow = {
        engine,
        messages: n,
        buildUsPerMessage: round(b.buildUsPerMessage, 1),
        buildCpuUsPerMessage: round(b.buildCpuUsPerMessage, 1),
        appendAtSizeUs: round(b.appendAtSizeUs, 1),
        appendAtSizeCpuUs: round(b.appendAtSizeCpuUs, 1),
        encodedBytes: b.encodedBytes,
        bytesPerMessage: round(b.encodedBytes / n, 1),
        loadMs: round(median(loads.map((l) => l.loadMs)), 1),
        latest50Ms: round(median(loads.map((l) => l.latest50Ms)), 1),
        latest50CpuMs: round(median(loads.map((l) => l.latest50CpuMs)), 1),
        rssMb: round(median(loads.map((l) => l.rssMb)), 1),
        heapMb: round(median(loads.map((l) => l.heapMb)), 1),
        loadRuns,
      };
      log(
        `    append ${row.appendAtSizeUs} µs (${row.appendAtSizeCpuUs} µs CPU) at ${n.toLocaleString('en')} (build ${row.buildCpuUsPerMessage} µs CPU/msg), ${(row.encodedBytes / 1e6).toFixed(2)} MB, load+newest 50 ${row.latest50Ms} ms (${row.latest50CpuMs} ms CPU), +${row.rssMb} MB RSS`,
      );
      rows.push(row);
    }
    const [y, a] = rows as [DocEngineRow, DocEngineRow];
    return {
      rows,
      ratios: {
        appendAtSizeCpu: ratio(a.appendAtSizeCpuUs, y.appendAtSizeCpuUs),
        encodedBytes: ratio(a.encodedBytes, y.encodedBytes),
        latest50Cpu: ratio(a.latest50CpuMs, y.latest50CpuMs),
        rss: ratio(a.rssMb, y.rssMb),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt > 0 && process.argv[1] === SCRIPT) {
  const [what, engine, ...rest] = process.argv.slice(childAt + 1);
  let out: unknown;
  if (what === 'build') {
    const all = messages(Number(rest[0]));
    out = engine === 'yjs' ? buildYjs(all, rest[1]!) : buildAutomerge(all, rest[1]!);
  } else {
    out = engine === 'yjs' ? loadYjs(rest[0]!) : loadAutomerge(rest[0]!);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
} else if (process.argv[1]?.endsWith('automerge.ts')) {
  const r = await yjsVsAutomergeBench({ quick: process.argv.includes('--quick'), log: (s) => process.stdout.write(`${s}\n`) });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
