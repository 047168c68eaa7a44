// `npm run bench`: runs every benchmark scenario, writes bench/results/latest.json, a dated copy,
// SVG charts under bench/results/charts/ and bench/REPORT.md. `--quick` is the CI smoke run (tiny
// sizes, nothing written); `--only=a,b` runs some scenarios (e.g. `--only=fanout,scale-out`).
// This machine is shared and noisy: every figure is a median of several runs and every comparison
// is a ratio to the peer measured in the same invocation.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { capacityBench } from './capacity';
import { catchUpBench, coldOpenBench, cryptoMediaBench, yjsVsAutomergeBench } from './client-side';
import { docModelBench } from './doc-model';
import { fanoutBench } from './fanout';
import { conversationBench, cryptoBench } from './foundation';
import { groupCostBench } from './group-cost';
import { scaleOutBench } from './scale-out';
import { scaleOutPeersBench } from './scale-out-peers';
import { charts, report } from './report';

const quick = process.argv.includes('--quick');
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',')) : undefined;
const started = new Date();
const log = (s: string) => process.stdout.write(`${s}\n`);
const here = import.meta.dirname ?? new URL('.', import.meta.url).pathname;
const dir = join(here, 'results');

interface Scenario {
  name: string;
  what: string;
  run(): Promise<unknown>;
}

const scenarios: Scenario[] = [
  { name: 'crypto', what: 'per-message seal+sign and verify+open', run: () => cryptoBench(quick) },
  { name: 'doc-model', what: 'Y.Map by id vs Y.Array.push', run: async () => docModelBench(quick) },
  { name: 'conversation', what: 'send→deliver, catch-up, cold open between Node clients', run: () => conversationBench(quick) },
  { name: 'group-cost', what: 'create, add to and remove from a big group', run: () => groupCostBench(quick, (s) => log(s)) },
  { name: 'fanout', what: 'relay fan-out vs y-websocket and Hocuspocus (1-1, 10, 100, 1,000 members)', run: () => fanoutBench({ quick, log: (s) => log(`  ${s}`) }) },
  { name: 'scale-out', what: 'Mekong 1 vs 3 relays with Redis', run: () => scaleOutBench({ quick, log: (s) => log(`  ${s}`) }) },
  { name: 'scale-out-peers', what: 'Mekong 1 vs 3 relays vs Hocuspocus 1 vs 3 with Redis', run: () => scaleOutPeersBench({ quick, log: (s) => log(`  ${s}`) }) },
  {
    name: 'capacity',
    what: 'idle authenticated connections: memory per connection vs ws and Socket.IO (+ `--capacity-cluster=100000`)',
    run: () => {
      const arg = process.argv.find((a) => a.startsWith('--capacity-cluster='));
      return capacityBench({ quick, log: (s) => log(`  ${s}`), ...(arg ? { cluster: Number(arg.split('=')[1]) } : {}) });
    },
  },
  { name: 'catch-up', what: 'a client 10,000 messages behind vs a y-websocket client', run: () => catchUpBench({ quick, log: (s) => log(`  ${s}`) }) },
  { name: 'cold-open', what: 'latest 50 of 100,000 messages: SQLite and IndexedDB vs one Yjs document', run: () => coldOpenBench({ quick, log: (s) => log(`  ${s}`) }) },
  { name: 'crypto-media', what: 'per-message crypto and media encryption MB/s', run: () => cryptoMediaBench({ quick, log: (s) => log(`  ${s}`) }) },
  { name: 'yjs-vs-automerge', what: 'the message workload in Yjs and Automerge', run: () => yjsVsAutomergeBench({ quick, log: (s) => log(`  ${s}`) }) },
];

log(`Mekong benchmarks${quick ? ' (quick)' : ''} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load ${loadavg()[0]!.toFixed(1)}`);
// a partial run keeps the other scenarios' last results
let previous: Record<string, unknown> = {};
try {
  previous = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as Record<string, unknown>;
} catch {
  previous = {};
}
const results: Record<string, unknown> = only ? { ...(previous.results as Record<string, unknown> | undefined) } : {};
for (const s of scenarios) {
  if (only && !only.has(s.name)) continue;
  log(`${s.name}: ${s.what} …`);
  const t0 = Date.now();
  try {
    results[s.name] = await s.run();
    log(`  done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } catch (err) {
    // one failing scenario must not hide the others' figures
    log(`  FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    results[s.name] = { failed: err instanceof Error ? err.message : String(err) };
    process.exitCode = 1;
  }
}

const result = { startedAt: started.toISOString(), quick, node: process.version, cpus: cpus().length, loadAverage: loadavg()[0], results };
if (quick) {
  log('quick run: results not written');
} else {
  mkdirSync(join(dir, 'charts'), { recursive: true });
  const body = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(join(dir, 'latest.json'), body);
  writeFileSync(join(dir, `${started.toISOString().slice(0, 10)}.json`), body);
  for (const [file, svg] of charts(results)) writeFileSync(join(dir, 'charts', file), svg);
  writeFileSync(join(here, 'REPORT.md'), report(results, started, dir));
  log(`results written to ${dir}, report to bench/REPORT.md`);
}
// some peers' clients keep timers alive after closing; every scenario has cleaned up its processes by now
process.exit(process.exitCode ?? 0);
