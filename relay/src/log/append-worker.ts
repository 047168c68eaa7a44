// Test support: one relay process appending to a shared log, for the multi-process tests.
// Usage: node --import tsx append-worker.ts <postgres-url | sqlite-file> <worker> <conv> <sharedConv> <count> <sharedCount>
// Prints "ready", waits for "go" on stdin, appends, prints one JSON line with what each append answered.
import { createInterface } from 'node:readline';
import type { LogStore } from '../ports';
import { openPostgresRelayDb } from './postgres';
import { createSqlLogStore } from './sql';
import { openSqliteRelayDb } from './sqlite';

type Answer = [counter: number, seq: number, duplicate: boolean];

const IN_FLIGHT = 4;

async function pool<T>(count: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return out;
}

async function main() {
  const [target = '', worker = '0', conv = 'c', sharedConv = 's', count = '0', sharedCount = '0'] = process.argv.slice(2);
  const db = /^postgres(ql)?:\/\//.test(target) ? openPostgresRelayDb(target) : openSqliteRelayDb(target);
  const store: LogStore = createSqlLogStore(db, { ownsDb: true });
  const device = `w${worker}`;
  const enc = (text: string) => new TextEncoder().encode(text);
  // open the pool's connections before the start line, so the race is about appends, not connecting
  await Promise.all(Array.from({ length: IN_FLIGHT }, () => store.head(conv)));

  const lines = createInterface({ input: process.stdin });
  process.stdout.write('ready\n');
  await new Promise<void>((ok) => lines.once('line', () => ok()));
  lines.close();

  const started = Date.now();
  const resends: Answer[] = [];
  const own = await pool(Number(count), async (i): Promise<Answer> => {
    const r = await store.append(conv, device, i, enc(`${device}:${i}`));
    // a client that missed the ack resends while the other processes keep appending
    if (i % 5 === 0) {
      const again = await store.append(conv, device, i, enc(`${device}:${i} resent`));
      resends.push([i, again.seq, again.duplicate]);
    }
    return [i, r.seq, r.duplicate];
  });
  const finished = Date.now();
  // every process sends the same (device, counter) keys at once: only one append per key may win
  const shared = await pool(Number(sharedCount), async (j): Promise<Answer> => {
    const r = await store.append(sharedConv, 'shared', j, enc(`shared:${j}:${device}`));
    return [j, r.seq, r.duplicate];
  });
  await store.close();
  process.stdout.write(`${JSON.stringify({ worker: device, started, finished, own, resends, shared })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
