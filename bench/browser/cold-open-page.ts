// The page of the cold-open benchmark in Chromium: bundled with client-core's browser entry (the
// IndexedDB storage adapter) and y-indexeddb, driven by bench/cold-open.ts through `window.bench`.
// Each cold open runs on a freshly loaded page, so nothing of an earlier run is in memory.
import { createClient, createIndexedDbStorage } from '@mekong/client-core';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import { newest50 } from '../newest';

const MEKONG_DB = 'mekong-bench';
const Y_DB = 'y-indexeddb-bench';
/** Nothing listens here: the client opens offline, as after a restart without network. */
const NOWHERE = 'http://127.0.0.1:9';

/** Reads the row dump served by the benchmark: repeated [u32 key length][key][u32 value length][value]. */
function* rows(buf: ArrayBuffer): Generator<[string, Uint8Array]> {
  const view = new DataView(buf);
  const bytes = new Uint8Array(buf);
  const dec = new TextDecoder();
  for (let at = 0; at < buf.byteLength; ) {
    const kl = view.getUint32(at);
    const key = dec.decode(bytes.subarray(at + 4, at + 4 + kl));
    at += 4 + kl;
    const vl = view.getUint32(at);
    yield [key, bytes.slice(at + 4, at + 4 + vl)];
    at += 4 + vl;
  }
}


const bench = {
  /** Copy the Node client's SQLite rows (fetched from `url`) into the Mekong IndexedDB database. */
  async fillMekong(url: string): Promise<number> {
    const buf = await (await fetch(url)).arrayBuffer();
    const storage = await createIndexedDbStorage(MEKONG_DB);
    let batch: Array<{ type: 'put'; key: string; value: Uint8Array }> = [];
    let n = 0;
    for (const [key, value] of rows(buf)) {
      batch.push({ type: 'put', key, value });
      n++;
      if (batch.length === 5000) {
        await storage.batch(batch);
        batch = [];
      }
    }
    if (batch.length) await storage.batch(batch);
    await storage.close();
    return n;
  },

  /** Hold the same messages as one Yjs document persisted by y-indexeddb (checked by reading it back). */
  async fillYIndexedDb(url: string): Promise<number> {
    const all = (await (await fetch(url)).json()) as Array<{ id: string; sentAt: number }>;
    const doc = new Y.Doc();
    const p = new IndexeddbPersistence(Y_DB, doc);
    await p.whenSynced;
    const map = doc.getMap('messages');
    doc.transact(() => {
      for (const m of all) map.set(m.id, m);
    }); // y-indexeddb stores this update in its own transaction
    const bytes = Y.encodeStateAsUpdate(doc).length;
    for (let attempt = 0; ; attempt++) {
      await new Promise((r) => setTimeout(r, 200));
      const check = new Y.Doc();
      const q = new IndexeddbPersistence(Y_DB, check);
      await q.whenSynced;
      const size = check.getMap('messages').size;
      await q.destroy();
      check.destroy();
      if (size === all.length) break;
      if (attempt === 50) throw new Error(`y-indexeddb holds ${size} of ${all.length} messages`);
    }
    await p.destroy();
    return bytes;
  },

  /** Cold open with the real client: restore the session offline, open the conversation, read its newest page. */
  async openMekong(conv: string): Promise<{ ms: number; shown: number; storageOnlyMs: number }> {
    let t0 = performance.now();
    const probe = await createIndexedDbStorage(MEKONG_DB);
    const page = await probe.range(`msg/${conv}/`, { reverse: true, limit: 50 });
    const storageOnlyMs = performance.now() - t0;
    await probe.close();
    if (page.length !== 50) throw new Error(`the index holds ${page.length} of the newest 50`);
    t0 = performance.now();
    const storage = await createIndexedDbStorage(MEKONG_DB);
    const client = await createClient({ server: NOWHERE, storage, pollIntervalMs: 3_600_000, reconnect: { minMs: 3_600_000, maxMs: 3_600_000 } });
    const chat = await client.open(conv);
    const shown = chat.messages().length;
    const ms = performance.now() - t0;
    (globalThis as { keep?: unknown }).keep = { client, chat };
    return { ms, shown, storageOnlyMs };
  },

  /** Cold open of the same history as one Yjs document: load it from y-indexeddb, find the newest 50. */
  async openYIndexedDb(): Promise<{ ms: number; shown: number }> {
    const t0 = performance.now();
    const doc = new Y.Doc();
    const p = new IndexeddbPersistence(Y_DB, doc);
    await p.whenSynced;
    const top = newest50(doc.getMap<{ sentAt: number }>('messages').values());
    const ms = performance.now() - t0;
    (globalThis as { keep?: unknown }).keep = { doc, p };
    return { ms, shown: top.length };
  },
};

(globalThis as { bench?: typeof bench }).bench = bench;
document.title = 'ready';
