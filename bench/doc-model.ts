// The evidence behind the document model: cost of appending a message and of loading a long
// history, for a Y.Map keyed by message id (what Mekong uses) against a Y.Array appended with push.
import * as Y from 'yjs';

const now = () => performance.now();

function message(i: number) {
  return { id: `m${i}`, author: { user: 'u1', device: 'd1' }, kind: 'text', body: `message number ${i} with some ordinary chat text`, sentAt: 1_700_000_000_000 + i, sig: 'x'.repeat(86) };
}

function build(kind: 'map' | 'array', n: number) {
  const doc = new Y.Doc();
  const map = kind === 'map' ? doc.getMap('messages') : undefined;
  const arr = kind === 'array' ? doc.getArray('messages') : undefined;
  const lastAppendUs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i >= n - 200 ? now() : 0;
    if (map) map.set(`m${i}`, message(i));
    else arr!.push([message(i)]);
    if (t) lastAppendUs.push((now() - t) * 1000);
  }
  const state = Y.encodeStateAsUpdate(doc);
  const heapBefore = process.memoryUsage().heapUsed;
  const t = now();
  const loaded = new Y.Doc();
  Y.applyUpdate(loaded, state);
  const loadMs = now() - t;
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  lastAppendUs.sort((a, b) => a - b);
  return { appendUs: lastAppendUs[Math.floor(lastAppendUs.length / 2)]!, bytes: state.length, loadMs, heapMb };
}

export function docModelBench(quick: boolean) {
  const sizes = quick ? [2_000] : [10_000, 100_000];
  const rows = [];
  for (const n of sizes) {
    for (const kind of ['map', 'array'] as const) rows.push({ kind, messages: n, ...build(kind, n) });
  }
  return rows;
}
