// Foundation benchmarks: crypto cost per message, cold open of a long conversation from local
// storage, catch-up, and send→deliver latency between two Node clients on loopback.
// Medians of several runs; no assertions. Run with `npm run bench` (`-- --quick` for a smoke run).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeClient } from '@mekong/client-core/node';
import type { MekongClient } from '@mekong/client-core';
import { startMekong } from '@mekong/sync-server';
import {
  cryptoReady,
  generateDeviceKeys,
  generateEpochKey,
  openEnvelope,
  sealEnvelope,
} from '../client-core/src/crypto';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

export async function cryptoBench(quick: boolean) {
  await cryptoReady();
  const dev = generateDeviceKeys();
  const key = generateEpochKey();
  const body = new Uint8Array(300).fill(7);
  const n = quick ? 500 : 5000;
  const seal: number[] = [];
  const open: number[] = [];
  let overhead = 0;
  for (let run = 0; run < 5; run++) {
    const envs: Uint8Array[] = [];
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) envs.push(sealEnvelope({ kind: 'update', conv: 'conv-bench', epoch: 1, device: 'dev-bench', counter: i + 1 }, body, key, dev.signSecretKey));
    seal.push((ms(t0) * 1000) / n);
    overhead = envs[0]!.length - body.length;
    t0 = process.hrtime.bigint();
    for (const e of envs) openEnvelope(e, { kind: 'update', conv: 'conv-bench', signPublicKey: dev.signPublicKey, epochKey: key });
    open.push((ms(t0) * 1000) / n);
  }
  return { sealSignUs: median(seal), verifyOpenUs: median(open), plaintextBytes: 300, envelopeOverheadBytes: overhead };
}

async function client(dir: string, url: string, name: string): Promise<MekongClient> {
  return createNodeClient({ server: url, home: join(dir, name), pollIntervalMs: 200 });
}

export async function conversationBench(quick: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'mekong-bench-'));
  const server = await startMekong({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), logLevel: 'silent' });
  const url = `http://127.0.0.1:${server.port}`;
  const total = quick ? 1000 : 10_000;
  try {
    const alice = await client(dir, url, 'alice');
    const bob = await client(dir, url, 'bob');
    await alice.register({ username: 'alice', password: 'alice password 1', displayName: 'Alice' });
    await bob.register({ username: 'bob', password: 'bob password 12', displayName: 'Bob' });
    const chat = await alice.openDirect('bob');

    // send→deliver latency, one message at a time
    await chat.send('warm-up');
    await chat.synced();
    const deadline = Date.now() + 20_000;
    while ((await bob.conversations()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const bChat = await bob.open((await bob.conversations())[0]!.id);
    await bChat.synced();
    const lat: number[] = [];
    for (let i = 0; i < (quick ? 30 : 200); i++) {
      const text = `ping ${i}`;
      const got = new Promise<void>((ok) => {
        const off = bChat.subscribe((m) => {
          if (m.some((x) => x.text === text)) {
            off();
            ok();
          }
        });
      });
      const t0 = process.hrtime.bigint();
      await chat.send(text);
      await got;
      lat.push(ms(t0));
    }

    // fill the conversation, then let bob catch up from scratch on a fresh device
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < total; i++) await chat.send(`message number ${i} with some ordinary chat text in it, about this long`);
    await chat.synced(600_000);
    const sendRate = total / (ms(t0) / 1000);
    await bChat.synced(600_000);
    bChat.close();
    await bob.close();

    const laptop = await client(dir, url, 'bob-laptop');
    t0 = process.hrtime.bigint();
    await laptop.login({ username: 'bob', password: 'bob password 12' });
    const lChat = await laptop.open((await laptop.conversations())[0]!.id);
    await lChat.synced(600_000);
    const newDeviceCatchUpMs = ms(t0);
    lChat.close();
    await laptop.close();

    // cold open: a new client on bob's home, time until the newest 50 messages are available
    const opens: number[] = [];
    for (let run = 0; run < 5; run++) {
      const t = process.hrtime.bigint();
      const b = await client(dir, url, 'bob');
      const id = (await b.conversations())[0]!.id;
      const c = await b.open(id);
      const n = c.messages().length;
      opens.push(ms(t));
      if (n < 50) throw new Error(`cold open showed ${n} messages`);
      c.close();
      await b.close();
    }
    await alice.close();
    return {
      messages: total + (quick ? 31 : 201),
      sendToDeliverMs: { p50: median(lat), p99: pct(lat, 0.99) },
      sendRatePerSec: sendRate,
      newDeviceLoginAndCatchUpMs: newDeviceCatchUpMs,
      coldOpenLatest50Ms: median(opens),
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
