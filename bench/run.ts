// `npm run bench`: runs every benchmark, writes bench/results/latest.json and a dated copy.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { docModelBench } from './doc-model';
import { conversationBench, cryptoBench } from './foundation';

const quick = process.argv.includes('--quick');
const started = new Date();
const log = (s: string) => process.stdout.write(`${s}\n`);

log(`Mekong benchmarks${quick ? ' (quick)' : ''} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
log('crypto: seal+sign and verify+open of a 300-byte message …');
const crypto = await cryptoBench(quick);
log(`  seal+sign ${crypto.sealSignUs.toFixed(1)} µs, verify+open ${crypto.verifyOpenUs.toFixed(1)} µs`);
log('document model: Y.Map by id vs Y.Array.push …');
const docModel = docModelBench(quick);
for (const r of docModel) {
  log(`  ${r.kind.padEnd(5)} ${String(r.messages).padStart(7)} msgs: append ${r.appendUs.toFixed(1)} µs, ${(r.bytes / 1e6).toFixed(2)} MB encoded, load ${r.loadMs.toFixed(0)} ms`);
}
log('conversation: latency, fill, new-device catch-up, cold open …');
const conversation = await conversationBench(quick);
log(`  send→deliver p50 ${conversation.sendToDeliverMs.p50.toFixed(2)} ms, p99 ${conversation.sendToDeliverMs.p99.toFixed(2)} ms`);
log(`  sending ${conversation.sendRatePerSec.toFixed(0)} msg/s end to end (one sender, durable)`);
log(`  new device: login + catch-up of ${conversation.messages} messages in ${conversation.newDeviceLoginAndCatchUpMs.toFixed(0)} ms`);
log(`  cold open of ${conversation.messages} messages (newest 50 shown): ${conversation.coldOpenLatest50Ms.toFixed(1)} ms`);

const result = { startedAt: started.toISOString(), quick, node: process.version, cpus: cpus().length, crypto, docModel, conversation };
const dir = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'results');
mkdirSync(dir, { recursive: true });
const body = `${JSON.stringify(result, null, 2)}\n`;
if (!quick) {
  writeFileSync(join(dir, 'latest.json'), body);
  writeFileSync(join(dir, `${started.toISOString().slice(0, 10)}.json`), body);
}
log(quick ? 'quick run: results not written' : `results written to ${dir}`);
