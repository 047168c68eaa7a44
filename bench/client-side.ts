// The client-side benchmark scenarios in one place: offline catch-up (4), cold open (5), crypto and
// media (6), and Yjs vs Automerge on the message workload (7). Each takes `{ quick, log }` and
// returns a plain JSON-able object. Run them all alone: `npx tsx bench/client-side.ts [--quick]`.
import { catchUpBench } from './catch-up';
import { coldOpenBench } from './cold-open';
import { cryptoMediaBench } from './crypto-media';
import { yjsVsAutomergeBench } from './automerge';

export { catchUpBench, type CatchUpResult } from './catch-up';
export { coldOpenBench, type ColdOpenResult } from './cold-open';
export { cryptoMediaBench, type CryptoMediaResult } from './crypto-media';
export { yjsVsAutomergeBench, type YjsVsAutomergeResult } from './automerge';

if (process.argv[1]?.endsWith('client-side.ts')) {
  const quick = process.argv.includes('--quick');
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log('scenario 6: crypto and media …');
  const crypto = await cryptoMediaBench({ quick, log });
  log('scenario 7: Yjs vs Automerge …');
  const docEngines = await yjsVsAutomergeBench({ quick, log });
  log('scenario 4: offline catch-up …');
  const catchUp = await catchUpBench({ quick, log });
  log('scenario 5: cold open …');
  const coldOpen = await coldOpenBench({ quick, log });
  process.stdout.write(`${JSON.stringify({ quick, crypto, docEngines, catchUp, coldOpen }, null, 2)}\n`);
  process.exit(0);
}
