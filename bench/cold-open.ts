// Scenario 5, cold open: how long until the newest 50 messages of a 100,000-message conversation
// are on screen after a restart, read from local storage only (no network), and how much memory
// that takes; Mekong in Node (SQLite adapter) and in headless Chromium (IndexedDB adapter), against
// the same history held as one Yjs document (y-indexeddb 9.0.12 in Chromium; the document from the
// same SQLite file in Node). The device is real: a client registers, joins a conversation and syncs
// through a relay; the other 100,000 messages are then written into its local store exactly as the
// client keeps them (message index entries plus the document), which is far faster than sending
// them. Node opens run in fresh child processes pinned to core 1; Chromium opens on freshly loaded
// pages. Run alone: `npx tsx bench/cold-open.ts [--quick]`.
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, createNodeClient, createSqliteStorage, type MekongClient, nodeTransport } from '@mekong/client-core/node';
import type { Message } from '@mekong/schema';
import { build } from 'esbuild';
import { chromium, type Page } from 'playwright-core';
import * as Y from 'yjs';
import { cryptoReady } from '../client-core/src/crypto';
import { fromBytes } from '../client-core/src/local/json';
import { K } from '../client-core/src/local/keys';
import { entryFromMessage, putEntryOp } from '../client-core/src/sync/entries';
import { type BenchOptions, median, memoryMb, messages, ratio, repoRoot, round, runChild } from './client-util';
import { type PeerServer, startPeerServer } from './peers/servers';
import { newest50 } from './newest';

const SCRIPT = fileURLToPath(import.meta.url);
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const NOWHERE = 'http://127.0.0.1:9';

interface OpenResult {
  /** until the newest 50 are available (Mekong: client restored offline, conversation opened) */
  ms: number;
  /** Mekong: opening the storage and reading the newest 50 index entries, nothing else */
  storageOnlyMs?: number;
  /** Mekong in Node: part of `ms` spent waiting for libsodium's WebAssembly (loading began at import) */
  cryptoWaitMs?: number;
  shown: number;
  /** memory grown by the open, after garbage collection (JS heap; Node also RSS) */
  heapMb: number;
  rssMb?: number;
}

export interface ColdOpenSide {
  ms: number;
  storageOnlyMs?: number;
  cryptoWaitMs?: number;
  heapMb: number;
  rssMb?: number;
}

export interface ColdOpenResult {
  messages: number;
  runs: number;
  node: { mekong: ColdOpenSide; oneYjsDoc: ColdOpenSide; ratio: number };
  chromium: { mekong: ColdOpenSide; yIndexedDb: ColdOpenSide; ratio: number; yjsStateBytes: number } | { skipped: string };
}

// ---- preparing a device with a long history -----------------------------------------------------

async function prepareDevice(dir: string, n: number, log: (s: string) => void): Promise<{ db: string; conv: string; history: Message[] }> {
  const server: PeerServer = await startPeerServer('mekong', 'mekong-server.ts', dir, { MEKONG_DATA_DIR: join(dir, 'relay-data'), LOG_LEVEL: 'warn' });
  let conv = '';
  let alice: MekongClient | undefined;
  let bob: MekongClient | undefined;
  try {
    const url = `http://127.0.0.1:${server.port}`;
    alice = await createNodeClient({ server: url, home: join(dir, 'alice'), pollIntervalMs: 200 });
    bob = await createNodeClient({ server: url, home: join(dir, 'bob'), pollIntervalMs: 200 });
    await alice.register({ username: 'alice', password: 'alice password 1', displayName: 'Alice' });
    await bob.register({ username: 'bob', password: 'bob password 12', displayName: 'Bob' });
    const chat = await alice.openDirect('bob');
    await chat.send('xin chào');
    await chat.synced(60_000);
    const deadline = Date.now() + 30_000;
    while ((await bob.conversations()).length === 0) {
      if (Date.now() > deadline) throw new Error('bob never saw the conversation');
      await new Promise((r) => setTimeout(r, 20));
    }
    conv = (await bob.conversations())[0]!.id;
    const bChat = await bob.open(conv);
    await bChat.synced(60_000);
    bChat.close();
  } finally {
    await alice?.close();
    await bob?.close();
    await server.stop();
  }
  // write the history into bob's store as the client keeps it
  const db = join(dir, 'bob', 'mekong.db');
  const storage = createSqliteStorage(db);
  const info = fromBytes<{ members: string[] }>((await storage.get(K.convInfo(conv)))!);
  const [u1, u2] = info.members as [string, string];
  const history: Message[] = messages(n).map((m, i) => ({ ...m, author: { user: i % 2 ? u1 : u2, device: m.author.device } }));
  log(`  writing ${n.toLocaleString('en')} messages into the device's SQLite store …`);
  for (let i = 0; i < n; i += 5000) await storage.batch(history.slice(i, i + 5000).map((m) => putEntryOp(conv, entryFromMessage(m, 'sent'))));
  const doc = new Y.Doc();
  const map = doc.getMap('messages');
  doc.transact(() => {
    for (const m of history) map.set(m.id, m);
  });
  const prior = await storage.get(K.docBase(conv));
  if (prior) Y.applyUpdate(doc, prior);
  await storage.put(K.docBase(conv), Y.encodeStateAsUpdate(doc));
  await storage.close();
  return { db, conv, history };
}

// ---- Node ---------------------------------------------------------------------------------------

async function nodeOpenMekong(db: string, conv: string): Promise<OpenResult> {
  const before = memoryMb();
  let t0 = performance.now();
  const probe = createSqliteStorage(db);
  const page = await probe.range(K.msgPrefix(conv), { reverse: true, limit: 50 });
  const storageOnlyMs = performance.now() - t0;
  await probe.close();
  if (page.length !== 50) throw new Error(`the index holds ${page.length} of the newest 50`);
  t0 = performance.now();
  const storage = createSqliteStorage(db);
  // createClient waits for libsodium first; waiting here instead splits that wait out of `ms`
  const c0 = performance.now();
  await cryptoReady();
  const cryptoWaitMs = performance.now() - c0;
  const client = await createClient({
    server: NOWHERE,
    storage,
    transport: nodeTransport(),
    pollIntervalMs: 3_600_000,
    reconnect: { minMs: 3_600_000, maxMs: 3_600_000 },
  });
  const chat = await client.open(conv);
  const shown = chat.messages().length;
  const ms = performance.now() - t0;
  const after = memoryMb();
  chat.close();
  await client.close();
  return { ms, storageOnlyMs, cryptoWaitMs, shown, heapMb: round(after.heapUsed - before.heapUsed, 1), rssMb: round(after.rss - before.rss, 1) };
}


async function nodeOpenYjs(db: string, conv: string): Promise<OpenResult> {
  const before = memoryMb();
  const t0 = performance.now();
  const storage = createSqliteStorage(db);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, (await storage.get(K.docBase(conv)))!);
  const top = newest50(doc.getMap<Message>('messages').values());
  const ms = performance.now() - t0;
  const after = memoryMb();
  await storage.close();
  return { ms, shown: top.length, heapMb: round(after.heapUsed - before.heapUsed, 1), rssMb: round(after.rss - before.rss, 1) };
}

// ---- Chromium -----------------------------------------------------------------------------------

async function bundlePage(out: string): Promise<void> {
  await build({
    entryPoints: [join(repoRoot, 'bench/browser/cold-open-page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(out, 'page.js'),
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  writeFileSync(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="/page.js"></script>');
}

function dumpRows(db: string, file: string): Promise<void> {
  return (async () => {
    const storage = createSqliteStorage(db);
    const rows = await storage.range('');
    await storage.close();
    const enc = new TextEncoder();
    const parts: Uint8Array[] = [];
    for (const [k, v] of rows) {
      const kb = enc.encode(k);
      const head = new Uint8Array(4);
      new DataView(head.buffer).setUint32(0, kb.length);
      const vh = new Uint8Array(4);
      new DataView(vh.buffer).setUint32(0, v.length);
      parts.push(head, kb, vh, v);
    }
    writeFileSync(file, Buffer.concat(parts));
  })();
}

function serve(dir: string): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { html: 'text/html', js: 'text/javascript', json: 'application/json', bin: 'application/octet-stream' };
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0] === '/' ? 'index.html' : (req.url ?? '').slice(1).split('?')[0]!;
    try {
      const body = readFileSync(join(dir, name.replace(/[^a-z0-9.-]/gi, '')));
      res.writeHead(200, { 'content-type': types[name.split('.').at(-1) ?? ''] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` })));
}

async function freshPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 60_000 });
}

async function heapMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  await cdp.detach();
  return usedSize / 1e6;
}

async function chromiumSide(dir: string, db: string, conv: string, history: Message[], runs: number, log: (s: string) => void) {
  const site = join(dir, 'site');
  await bundlePage(site);
  await dumpRows(db, join(site, 'rows.bin'));
  writeFileSync(join(site, 'messages.json'), JSON.stringify(history));
  const { server, url } = await serve(site);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => log(`  page error: ${e.message}`));
    await freshPage(page, url);
    const rows = await page.evaluate((u) => (window as never as { bench: { fillMekong(u: string): Promise<number> } }).bench.fillMekong(u), `${url}rows.bin`);
    const yBytes = await page.evaluate((u) => (window as never as { bench: { fillYIndexedDb(u: string): Promise<number> } }).bench.fillYIndexedDb(u), `${url}messages.json`);
    log(`  chromium: IndexedDB holds ${rows.toLocaleString('en')} Mekong rows and a ${(yBytes / 1e6).toFixed(1)} MB Yjs state`);
    const mekong: OpenResult[] = [];
    const yidb: OpenResult[] = [];
    for (let r = 0; r < runs; r++) {
      for (const side of ['mekong', 'y'] as const) {
        await freshPage(page, url);
        const before = await heapMb(page);
        const res =
          side === 'mekong'
            ? await page.evaluate((c) => (window as never as { bench: { openMekong(c: string): Promise<OpenResult> } }).bench.openMekong(c), conv)
            : await page.evaluate(() => (window as never as { bench: { openYIndexedDb(): Promise<OpenResult> } }).bench.openYIndexedDb());
        const after = await heapMb(page);
        if (res.shown < 50) throw new Error(`${side} showed ${res.shown} messages`);
        (side === 'mekong' ? mekong : yidb).push({ ...res, heapMb: round(after - before, 1) });
      }
      log(`  chromium run ${r + 1}: mekong ${mekong.at(-1)!.ms.toFixed(1)} ms (storage only ${mekong.at(-1)!.storageOnlyMs!.toFixed(1)} ms), y-indexeddb ${yidb.at(-1)!.ms.toFixed(0)} ms`);
    }
    await page.close();
    return { mekong, yidb, yBytes };
  } finally {
    await browser.close();
    server.close();
  }
}

// ---- the scenario -------------------------------------------------------------------------------

const summarize = (xs: OpenResult[]): ColdOpenSide => ({
  ms: round(median(xs.map((x) => x.ms)), 1),
  ...(xs[0]?.storageOnlyMs !== undefined ? { storageOnlyMs: round(median(xs.map((x) => x.storageOnlyMs!)), 1) } : {}),
  ...(xs[0]?.cryptoWaitMs !== undefined ? { cryptoWaitMs: round(median(xs.map((x) => x.cryptoWaitMs!)), 1) } : {}),
  heapMb: round(median(xs.map((x) => x.heapMb)), 1),
  ...(xs[0]?.rssMb !== undefined ? { rssMb: round(median(xs.map((x) => x.rssMb!)), 1) } : {}),
});

/**
 * Scenario 5: cold open of a long conversation from local storage.
 * @example const r = await coldOpenBench({ quick: true });
 */
export async function coldOpenBench(opts: BenchOptions): Promise<ColdOpenResult> {
  const log = opts.log ?? (() => {});
  const n = opts.quick ? 500 : 100_000;
  const runs = opts.quick ? 1 : 5;
  const dir = mkdtempSync(join(tmpdir(), 'mekong-bench-coldopen-'));
  try {
    const { db, conv, history } = await prepareDevice(dir, n, log);
    const nodeMekong: OpenResult[] = [];
    const nodeY: OpenResult[] = [];
    for (let r = 0; r < runs; r++) {
      nodeMekong.push(await runChild<OpenResult>(SCRIPT, ['mekong', db, conv], { core: 1, nodeArgs: ['--expose-gc'] }));
      nodeY.push(await runChild<OpenResult>(SCRIPT, ['yjs', db, conv], { core: 1, nodeArgs: ['--expose-gc'] }));
      const m = nodeMekong.at(-1)!;
      log(`  node run ${r + 1}: mekong ${m.ms.toFixed(1)} ms (storage only ${m.storageOnlyMs!.toFixed(1)} ms, waiting for libsodium ${m.cryptoWaitMs!.toFixed(1)} ms), one Yjs doc ${nodeY.at(-1)!.ms.toFixed(0)} ms`);
    }
    const node = { mekong: summarize(nodeMekong), oneYjsDoc: summarize(nodeY), ratio: 0 };
    node.ratio = ratio(node.mekong.ms, node.oneYjsDoc.ms);
    let chromiumResult: ColdOpenResult['chromium'];
    try {
      const c = await chromiumSide(dir, db, conv, history, runs, log);
      const m = summarize(c.mekong);
      const y = summarize(c.yidb);
      chromiumResult = { mekong: m, yIndexedDb: y, ratio: ratio(m.ms, y.ms), yjsStateBytes: c.yBytes };
    } catch (err) {
      if (!(err instanceof Error && /Executable doesn't exist|ENOENT/.test(err.message))) throw err;
      chromiumResult = { skipped: `no Chromium at ${CHROMIUM}` };
    }
    return { messages: n, runs, node, chromium: chromiumResult };
  } finally {
    if (process.env.MEKONG_BENCH_KEEP) log(`  kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt > 0 && process.argv[1] === SCRIPT) {
  const [what, db, conv] = process.argv.slice(childAt + 1) as [string, string, string];
  const out = what === 'mekong' ? await nodeOpenMekong(db, conv) : await nodeOpenYjs(db, conv);
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
} else if (process.argv[1]?.endsWith('cold-open.ts')) {
  const r = await coldOpenBench({ quick: process.argv.includes('--quick'), log: (s) => process.stdout.write(`${s}\n`) });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  process.exit(0);
}
