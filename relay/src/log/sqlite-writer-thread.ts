// The main thread's side of the SQLite log's writer thread (sqlite-writer.mjs). Starts the thread on
// the first batch, packs each batch into one buffer that is transferred rather than copied, rebuilds
// the answers and errors (with the SQLite code that retryCause reads), and turns a thread that died
// into typed errors instead of promises that never settle.
import { resolve as resolvePath } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ErrorCode, MekongError } from '@mekong/schema';
import Database from 'better-sqlite3';
import type { Append, Outcome } from './sqlite-append.mjs';
import type { BatchReply, BatchRequest, WireError, WriterConfig, WriterMessage } from './sqlite-writer.mjs';

// The entry is plain JavaScript: a worker thread gets none of the TypeScript loader of tsx or vitest.
const ENTRY = new URL('./sqlite-writer.mjs', import.meta.url);

/**
 * How often a thread that stopped unexpectedly is replaced (on the next batch). A crash is rare and
 * may be a passing one (memory); one that repeats is not, and then appends are refused for good, with
 * an error that says so, rather than restarting a thread that keeps failing.
 */
const RESTARTS = 1;

export interface WriterThread {
  /** Commits one batch on the writer thread; one at a time: wait for the answer before the next. */
  commit(batch: readonly Append[], createdAt: number): Promise<Outcome[]>;
  /** Stops the thread (call it when no batch is in flight); later commits reject UNAVAILABLE. */
  close(): Promise<void>;
  /** The thread now running, if any: for tests and monitoring. */
  readonly worker: Worker | undefined;
}

interface InFlight {
  size: number;
  resolve(outcomes: Outcome[]): void;
  reject(err: unknown): void;
}

/**
 * A writer thread for the log in `database`'s file, started by the first batch, with the same
 * `synchronous` setting, so an answered append is exactly as durable as one committed on `database`.
 */
export function startWriterThread(database: Database.Database): WriterThread {
  let worker: Worker | undefined;
  let inFlight: InFlight | undefined;
  let stops = 0;
  let refused: MekongError | undefined;
  let closed = false;

  const spawn = (): Worker => {
    // read when the thread starts, so a setting made after the store was created is followed too
    const config: WriterConfig = {
      filename: resolvePath(database.name),
      synchronous: Number(database.pragma('synchronous', { simple: true })),
    };
    // execArgv: [] so the thread does not start the parent's loaders (tsx), which it does not need
    const w = new Worker(ENTRY, { workerData: config, execArgv: [] });
    // an idle thread never keeps the process alive; commit() holds a ref while a batch is in flight
    w.unref();
    let cause: string | undefined;
    w.on('message', (reply: WriterMessage) => {
      if ('stopped' in reply) {
        cause = reply.stopped.message; // the thread could not open the file; 'exit' follows
        return;
      }
      const p = inFlight;
      inFlight = undefined;
      w.unref();
      if (!p) return;
      if ('failed' in reply) p.reject(rebuild(reply.failed));
      else p.resolve(outcomesOf(reply, p.size));
    });
    w.on('error', (err: unknown) => {
      // an error thrown out of a worker may arrive as a bare object, without its message
      const e = err as { message?: unknown; code?: unknown } | null;
      cause ??= typeof e?.message === 'string' ? e.message : typeof e?.code === 'string' ? e.code : String(err);
    });
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      const p = inFlight;
      inFlight = undefined;
      if (!closed) {
        stops++;
        cause ??= `exit code ${code}`;
        if (stops > RESTARTS) {
          refused = new MekongError(
            ErrorCode.UNAVAILABLE,
            `The SQLite log writer stopped ${stops} times (last: ${cause}); appends are refused until the relay is restarted.`,
            { cause },
          );
        }
      }
      p?.reject(
        new MekongError(
          ErrorCode.UNAVAILABLE,
          `The SQLite log writer stopped (${cause ?? 'closed'}) before it answered; the append may or may not be stored: send it again (a resend is answered from the log).`,
          { cause },
        ),
      );
    });
    return w;
  };

  return {
    commit(batch, createdAt) {
      if (closed) return Promise.reject(new MekongError(ErrorCode.UNAVAILABLE, 'the log store is closed; create a new one'));
      if (refused) return Promise.reject(refused);
      if (inFlight) return Promise.reject(new MekongError(ErrorCode.INTERNAL, 'A second batch was sent to the SQLite log writer before the first was answered; report this as a bug.'));
      worker ??= spawn();
      const w = worker;
      const { request, transfer } = pack(batch, createdAt);
      return new Promise<Outcome[]>((resolve, reject) => {
        inFlight = { size: batch.length, resolve, reject };
        // a batch in flight keeps the process alive until it is answered
        w.ref();
        try {
          w.postMessage(request, transfer);
        } catch (err) {
          inFlight = undefined;
          w.unref();
          reject(err);
        }
      });
    },
    async close() {
      closed = true;
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
    get worker() {
      return worker;
    },
  };
}

/** Copies the batch's envelopes back to back into one buffer, which postMessage then transfers. */
function pack(batch: readonly Append[], createdAt: number): { request: BatchRequest; transfer: ArrayBuffer[] } {
  const n = batch.length;
  const convs = new Array<string>(n);
  const devices = new Array<string>(n);
  const counters = new Float64Array(n);
  const ends = new Uint32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const a = batch[i]!;
    convs[i] = a.conv;
    devices[i] = a.device;
    counters[i] = a.counter;
    total += a.envelope.byteLength;
    ends[i] = total;
  }
  // its own memory, never a view of a pooled slab that other Buffers share
  const bytes = new Uint8Array(total);
  for (let i = 0, at = 0; i < n; i++) {
    const envelope = batch[i]!.envelope;
    bytes.set(envelope, at);
    at += envelope.byteLength;
  }
  return {
    request: { createdAt, convs, devices, counters, ends, bytes: bytes.buffer },
    transfer: [counters.buffer, ends.buffer, bytes.buffer],
  };
}

function outcomesOf(reply: Extract<BatchReply, { seqs: Float64Array }>, size: number): Outcome[] {
  const out = new Array<Outcome>(size);
  for (let i = 0; i < size; i++) out[i] = { ok: { seq: reply.seqs[i]!, duplicate: reply.duplicates[i] === 1 } };
  for (const [i, e] of reply.errors) out[i] = { err: rebuild(e) };
  return out;
}

/** The error as the main thread's driver would have thrown it: same class, code and message. */
function rebuild(e: WireError): Error {
  if (e.name === 'SqliteError' && e.code !== undefined) return new Database.SqliteError(e.message, e.code);
  const err = Object.assign(new Error(e.message), e.code === undefined ? {} : { code: e.code });
  err.name = e.name;
  return err;
}
