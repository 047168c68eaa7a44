// Scenario 4, offline catch-up: a device that was offline while 10,000 messages were sent comes
// back; how long until every one of them is applied (decrypted, in the document and in the local
// message index)? Compared with a y-websocket 1.5.4 client catching up the same number of messages
// as one Yjs sync. The Mekong client is the real one (restore from its SQLite home, authenticate,
// subscribe, snapshot + tail from the relay's durable log, envelope signatures checked, everything
// written to SQLite); message author signatures of a bulk catch-up are checked before a message is
// shown and the rest in the background afterwards, so the run also reports when the newest message
// is shown (checked) and when every signature has been checked. The y-websocket client holds its
// document in memory and checks nothing. Servers run in child processes pinned to core 0, the
// clients here on core 1. One extra profiled Mekong run says where the time goes.
// Run alone: `npx tsx bench/catch-up.ts [--quick]`.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, createNodeClient, createSqliteStorage, type MekongClient } from '@mekong/client-core/node';
import { decodeDown } from '@mekong/schema';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { type CatchUpDesignResult, catchUpDesignBench } from './catch-up-design';
import { countingTransport, type StorageStats, timedStorage, type Wire } from './catch-up-probes';
import { startStageProfile } from './catch-up-profile';
import { type BenchOptions, median, messages, ratio, round } from './client-util';
import { type PeerServer, pinGenerator, startPeerServer } from './peers/servers';

const now = () => performance.now();
const NO_ROTATION = { afterUpdates: 1_000_000_000, afterMs: 365 * 24 * 3600 * 1000 };
/** Messages both sides already hold before going offline. */
const BEFORE = 20;

export interface CatchUpRun {
  /** from starting the client (restore from disk) until every message is in the local index (applied: decrypted, in the document, indexed) */
  appliedMs: number;
  /** until `synced()` resolves (polled every 25 ms by the client) */
  syncedMs: number;
  /** until the open conversation view shows the newest message (its author signature checked) */
  shownMs: number;
  /** until every message's author signature is checked (in the background after the catch-up) and stored */
  checkedMs: number;
  /** until the first frame from the relay arrived (start-up, HTTP, connect, authenticate, subscribe, relay read) */
  firstFrameMs: number;
  /** first to last frame received from the relay (network + relay work, overlapped with applying) */
  framesSpanMs: number;
  storageMs: number;
  storageBatches: number;
  bytesDown: number;
  framesDown: number;
}

export interface CatchUpResult {
  behind: number;
  runs: number;
  mekong: CatchUpRun & { snapshotBytes: number; snapshotsServed: number; tailUpdates: number };
  yWebsocket: { appliedMs: number; bytesDown: number; framesDown: number };
  /** Mekong / y-websocket, medians */
  ratios: { appliedMs: number; bytesDown: number };
  /** milliseconds per stage in one profiled Mekong catch-up, until synced (sampling adds some overhead) */
  mekongProfile: { totalMs: number; stages: Record<string, number> };
  /** relay process while serving the Mekong catch-ups */
  relay: { cpuSecondsPerCatchUp: number; peakRssMb: number };
  /** applying a snapshot of `behind` messages with every signature checked on arrival vs checked when shown (CPU ms, in process) */
  designs: CatchUpDesignResult;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---- Mekong -------------------------------------------------------------------------------------

export async function prepareMekong(dir: string, server: PeerServer, behind: number, log: (s: string) => void) {
  const url = `http://127.0.0.1:${server.port}`;
  const make = (name: string) => createNodeClient({ server: url, home: join(dir, name), pollIntervalMs: 200, rotation: NO_ROTATION });
  const alice = await make('alice');
  let bob: MekongClient | undefined = await make('bob');
  await alice.register({ username: 'alice', password: 'alice password 1', displayName: 'Alice' });
  await bob.register({ username: 'bob', password: 'bob password 12', displayName: 'Bob' });
  const chat = await alice.openDirect('bob');
  for (let i = 0; i < BEFORE; i++) await chat.send(`before ${i}`);
  await chat.synced(60_000);
  await until(async () => (await bob!.conversations()).length > 0, 30_000, 'bob to see the conversation');
  const conv = (await bob.conversations())[0]!.id;
  const bChat = await bob.open(conv);
  await bChat.synced(60_000);
  bChat.close();
  await bob.close();
  bob = undefined;
  log(`  mekong: bob went offline; alice sends ${behind.toLocaleString('en')} messages …`);
  const t = now();
  for (let i = 0; i < behind; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, behind - i) }, (_, j) => chat.send(`message number ${i + j} with some ordinary chat text in it, about this long`)),
    );
  }
  await chat.synced(900_000);
  log(`  mekong: sent and acknowledged in ${((now() - t) / 1000).toFixed(1)} s`);
  chat.close();
  await alice.close();
  return { url, conv, template: join(dir, 'bob') };
}

export async function catchUpOnce(
  dir: string,
  run: string,
  m: { url: string; conv: string; template: string },
  expected: number,
  keep: boolean,
  timed = true,
): Promise<CatchUpRun & { frames?: Uint8Array[] }> {
  const home = join(dir, `bob-${run}`);
  cpSync(m.template, home, { recursive: true });
  const wire: Wire = { bytesDown: 0, framesDown: 0, firstAt: 0, lastAt: 0, ...(keep ? { keep: [] } : {}) };
  // the profiled run uses the adapter as is, so that timing storage calls does not show in the profile
  const plain = createSqliteStorage(join(home, 'mekong.db'));
  const before = (await plain.range(`msg/${m.conv}/`)).map(([k]) => k);
  const stats: StorageStats = { ms: 0, batches: 0, indexKeys: new Set(before), uncheckedKeys: new Set(), expected, indexFullAt: 0, allCheckedAt: 0 };
  const storage = timed ? timedStorage(plain, stats) : plain;
  const newest = `message number ${expected - BEFORE - 1} `;
  let shownAt = 0;
  const t0 = now();
  const client = await createClient({ server: m.url, storage, transport: countingTransport(wire), pollIntervalMs: 3_600_000, rotation: NO_ROTATION });
  try {
    const chat = await client.open(m.conv);
    chat.subscribe((list) => {
      if (!shownAt && list.at(-1)?.text.startsWith(newest)) shownAt = now();
    });
    await chat.synced(600_000);
    const syncedAt = now();
    if (timed) await until(() => stats.allCheckedAt > 0 && shownAt > 0, 600_000, 'every signature to be checked and the newest message shown');
    const count = (await storage.range(`msg/${m.conv}/`)).length;
    if (count !== expected) throw new Error(`catch-up left ${count} of ${expected} messages in the index`);
    chat.close();
    return {
      appliedMs: (timed ? stats.indexFullAt : syncedAt) - t0,
      syncedMs: syncedAt - t0,
      shownMs: shownAt ? shownAt - t0 : Number.NaN,
      checkedMs: timed ? stats.allCheckedAt - t0 : Number.NaN,
      firstFrameMs: wire.firstAt - t0,
      framesSpanMs: wire.lastAt - wire.firstAt,
      storageMs: stats.ms,
      storageBatches: stats.batches,
      bytesDown: wire.bytesDown,
      framesDown: wire.framesDown,
      ...(keep ? { frames: wire.keep! } : {}),
    };
  } finally {
    await client.close();
    rmSync(home, { recursive: true, force: true });
  }
}

// ---- y-websocket --------------------------------------------------------------------------------

function providerOf(url: string, room: string, doc: Y.Doc, Ws: typeof WebSocket = WebSocket): WebsocketProvider {
  return new WebsocketProvider(url, room, doc, { WebSocketPolyfill: Ws as never, disableBc: true });
}

const synced = (p: WebsocketProvider) => new Promise<void>((ok) => (p.synced ? ok() : p.once('synced', () => ok())));

async function yWebsocketCatchUp(server: PeerServer, behind: number, runs: number, log: (s: string) => void) {
  const url = `ws://127.0.0.1:${server.port}`;
  const room = 'catch-up';
  const all = messages(BEFORE + behind, 11);
  const wdoc = new Y.Doc();
  const writer = providerOf(url, room, wdoc);
  await synced(writer);
  const wmap = wdoc.getMap('messages');
  for (let i = 0; i < BEFORE; i++) wmap.set(all[i]!.id, { ...all[i]! });
  // the reader holds the first messages, then goes offline
  const rdoc = new Y.Doc();
  const reader = providerOf(url, room, rdoc);
  await synced(reader);
  await until(() => rdoc.getMap('messages').size === BEFORE, 30_000, 'the y-websocket reader to hold the first messages');
  const template = Y.encodeStateAsUpdate(rdoc);
  reader.destroy();
  log(`  y-websocket: reader offline; writer sends ${behind.toLocaleString('en')} messages …`);
  for (let i = BEFORE; i < all.length; i++) wmap.set(all[i]!.id, { ...all[i]! }); // one update each, as sent
  const total = all.length;
  // wait until the server holds them all: a fresh probe must see every message
  await until(
    async () => {
      const probe = new Y.Doc();
      const p = providerOf(url, room, probe);
      await synced(p);
      const n = probe.getMap('messages').size;
      p.destroy();
      probe.destroy();
      return n === total;
    },
    120_000,
    'the y-websocket server to hold every message',
  );
  writer.destroy();
  const results: Array<{ appliedMs: number; bytesDown: number; framesDown: number }> = [];
  for (let r = 0; r < runs; r++) {
    const wire = { bytesDown: 0, framesDown: 0 };
    class CountingWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { perMessageDeflate: false });
        this.on('message', (d: Buffer | ArrayBuffer) => {
          wire.bytesDown += d.byteLength;
          wire.framesDown++;
        });
      }
    }
    const doc = new Y.Doc();
    Y.applyUpdate(doc, template);
    const map = doc.getMap('messages');
    const t0 = now();
    const p = providerOf(url, room, doc, CountingWebSocket as unknown as typeof WebSocket);
    await new Promise<void>((ok) => {
      const check = () => {
        if (map.size === total) {
          doc.off('update', check);
          ok();
        }
      };
      doc.on('update', check);
      check();
    });
    results.push({ appliedMs: now() - t0, ...wire });
    p.destroy();
    doc.destroy();
  }
  return {
    appliedMs: median(results.map((r) => r.appliedMs)),
    bytesDown: median(results.map((r) => r.bytesDown)),
    framesDown: median(results.map((r) => r.framesDown)),
  };
}

// ---- the scenario -------------------------------------------------------------------------------

/**
 * Scenario 4: a device 10,000 messages behind catches up (Mekong vs y-websocket).
 * @example const r = await catchUpBench({ quick: true });
 */
export async function catchUpBench(opts: BenchOptions): Promise<CatchUpResult> {
  const log = opts.log ?? (() => {});
  const behind = opts.quick ? 200 : 10_000;
  const runs = opts.quick ? 1 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'mekong-bench-catchup-'));
  const unpin = pinGenerator();
  const servers: PeerServer[] = [];
  try {
    const mekongServer = await startPeerServer('mekong', 'mekong-server.ts', dir, { MEKONG_DATA_DIR: join(dir, 'relay-data'), LOG_LEVEL: 'warn' });
    servers.push(mekongServer);
    const m = await prepareMekong(dir, mekongServer, behind, log);
    const expected = BEFORE + behind;
    const cpu0 = mekongServer.cpu();
    const mekongRuns: Array<CatchUpRun & { frames?: Uint8Array[] }> = [];
    for (let r = 0; r < runs; r++) {
      const one = await catchUpOnce(dir, `run${r}`, m, expected, r === 0);
      log(
        `  mekong run ${r + 1}: applied in ${one.appliedMs.toFixed(0)} ms (first frame ${one.firstFrameMs.toFixed(0)} ms, synced ${one.syncedMs.toFixed(0)} ms, newest shown ${one.shownMs.toFixed(0)} ms, all signatures checked ${one.checkedMs.toFixed(0)} ms), storage ${one.storageMs.toFixed(0)} ms, ${(one.bytesDown / 1e6).toFixed(2)} MB down`,
      );
      mekongRuns.push(one);
    }
    const relayCpu = (mekongServer.cpu() - cpu0) / runs;
    const relayPeak = mekongServer.peakRss();
    // the frames of the first run: what the relay served
    let snapshotBytes = 0;
    let snapshotsServed = 0;
    let tailUpdates = 0;
    for (const f of mekongRuns[0]!.frames ?? []) {
      const d = decodeDown(f);
      if (d.type === 'snapshot') {
        snapshotsServed++;
        snapshotBytes += d.envelope.length;
      } else if (d.type === 'update') tailUpdates++;
    }
    log(`  mekong: the relay served ${snapshotsServed} snapshot(s) of ${(snapshotBytes / 1e6).toFixed(2)} MB and ${tailUpdates} tail updates`);
    const profiler = await startStageProfile();
    const profiled = await catchUpOnce(dir, 'profiled', m, expected, false, false);
    const stages = await profiler.stop();
    log(`  mekong profiled run: ${profiled.appliedMs.toFixed(0)} ms; ${Object.entries(stages).slice(0, 6).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}`);
    await mekongServer.stop();
    servers.length = 0;

    const yServer = await startPeerServer('y-websocket', 'y-websocket-server.ts', dir);
    servers.push(yServer);
    const y = await yWebsocketCatchUp(yServer, behind, runs, log);
    log(`  y-websocket: applied in ${y.appliedMs.toFixed(0)} ms, ${(y.bytesDown / 1e6).toFixed(2)} MB down`);

    log('  designs: applying a snapshot with every signature checked on arrival vs checked when shown (client-core now) …');
    const designs = await catchUpDesignBench(behind, runs);
    log(
      `    on arrival ${designs.today.totalMs} ms CPU (signatures ${designs.today.verifyAllSignatures} ms), when shown ${designs.deferred.totalMs} ms CPU (+ ${designs.deferred.backgroundChecks} ms of background checks afterwards)`,
    );

    const med = (k: keyof CatchUpRun) => round(median(mekongRuns.map((r) => r[k] as number)), 1);
    const mekong = {
      appliedMs: med('appliedMs'),
      syncedMs: med('syncedMs'),
      shownMs: med('shownMs'),
      checkedMs: med('checkedMs'),
      firstFrameMs: med('firstFrameMs'),
      framesSpanMs: med('framesSpanMs'),
      storageMs: med('storageMs'),
      storageBatches: med('storageBatches'),
      bytesDown: med('bytesDown'),
      framesDown: med('framesDown'),
      snapshotBytes,
      snapshotsServed,
      tailUpdates,
    };
    return {
      behind,
      runs,
      mekong,
      yWebsocket: { appliedMs: round(y.appliedMs, 1), bytesDown: y.bytesDown, framesDown: y.framesDown },
      ratios: { appliedMs: ratio(mekong.appliedMs, y.appliedMs), bytesDown: ratio(mekong.bytesDown, y.bytesDown) },
      mekongProfile: { totalMs: round(profiled.appliedMs, 1), stages },
      relay: { cpuSecondsPerCatchUp: round(relayCpu, 3), peakRssMb: round(relayPeak / 1e6, 1) },
      designs,
    };
  } finally {
    for (const s of servers) await s.stop().catch(() => {});
    unpin();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('catch-up.ts')) {
  const r = await catchUpBench({ quick: process.argv.includes('--quick'), log: (s) => process.stdout.write(`${s}\n`) });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  process.exit(0);
}
