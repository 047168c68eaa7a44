// @ts-check
// The SQLite log's writer thread: commits the batches that sqlite-writer-thread.ts sends, on a
// connection of its own to the same file, so the fsync of each commit blocks this thread and not
// the relay's event loop. WAL lets the main thread's connection keep reading meanwhile.
// Plain JavaScript (typed with JSDoc, checked by tsc) because a worker thread starts without the
// TypeScript loader that tsx or vitest give the main thread; it shares the append algorithm with the
// main thread through sqlite-append.mjs, plain JavaScript for the same reason.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { createBatchWriter } from './sqlite-append.mjs';

/** @typedef {{ filename: string; synchronous: number }} WriterConfig */
/**
 * One batch, packed: the envelopes back to back in `bytes` (transferred, not copied), the i-th one
 * ending at `ends[i]`.
 * @typedef {{ createdAt: number; convs: string[]; devices: string[]; counters: Float64Array; ends: Uint32Array; bytes: ArrayBuffer }} BatchRequest
 */
/** What the main thread needs to rebuild an error so retryCause classifies it: its code and message. @typedef {{ name: string; message: string; code?: string }} WireError */
/**
 * The answer to one batch, in call order: a seq and duplicate flag per append, except those listed
 * in `errors` (by index); or `failed` when the whole batch was rolled back.
 * @typedef {{ seqs: Float64Array; duplicates: Uint8Array; errors: Array<[number, WireError]> } | { failed: WireError }} BatchReply
 */
/** What the thread posts: an answer, or why it could not start (it ends right after). @typedef {BatchReply | { stopped: WireError }} WriterMessage */

/** Same as the main connection's (openSqliteRelayDb): how long to wait for another writer's lock. */
const BUSY_TIMEOUT_MS = 5000;

const port = parentPort;
if (!port) throw new Error('sqlite-writer.mjs runs as a worker thread; start it through sqlite-writer-thread.ts');

/** @returns {import('./sqlite-append.mjs').WriteBatch | undefined} */
function open() {
  const config = /** @type {WriterConfig} */ (workerData);
  try {
    // the main thread created (and migrated) the file; never create a stray one here
    const database = new Database(config.filename, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    database.pragma('journal_mode = WAL');
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    database.pragma(`synchronous = ${Number(config.synchronous)}`);
    return createBatchWriter(database);
  } catch (err) {
    // said in a message, then the thread ends: a SqliteError thrown out of a worker reaches the main
    // thread without its message
    port?.postMessage(/** @type {WriterMessage} */ ({ stopped: wire(err) }));
    return undefined;
  }
}

/** @param {unknown} err @returns {WireError} */
function wire(err) {
  const e = /** @type {{ name?: unknown; message?: unknown; code?: unknown } | null | undefined} */ (err);
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return typeof e?.code === 'string' ? { name, message, code: e.code } : { name, message };
}

/**
 * @param {import('./sqlite-append.mjs').WriteBatch} write
 * @param {BatchRequest} req
 * @returns {{ reply: BatchReply; transfer: ArrayBuffer[] }}
 */
function answer(write, req) {
  const n = req.convs.length;
  const batch = new Array(n);
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = req.ends[i] ?? start;
    // a view of the transferred bytes: better-sqlite3 copies a blob when it binds it
    batch[i] = { conv: req.convs[i], device: req.devices[i], counter: req.counters[i], envelope: Buffer.from(req.bytes, start, end - start) };
    start = end;
  }
  let outcomes;
  try {
    outcomes = write(batch, req.createdAt);
  } catch (err) {
    return { reply: { failed: wire(err) }, transfer: [] };
  }
  const seqs = new Float64Array(n);
  const duplicates = new Uint8Array(n);
  /** @type {Array<[number, WireError]>} */
  const errors = [];
  outcomes.forEach((o, i) => {
    if ('ok' in o) {
      seqs[i] = o.ok.seq;
      duplicates[i] = o.ok.duplicate ? 1 : 0;
    } else errors.push([i, wire(o.err)]);
  });
  return { reply: { seqs, duplicates, errors }, transfer: [seqs.buffer, duplicates.buffer] };
}

const write = open();
if (write) {
  port.on('message', (/** @type {BatchRequest} */ req) => {
    const { reply, transfer } = answer(write, req);
    port.postMessage(/** @type {WriterMessage} */ (reply), transfer);
  });
}
