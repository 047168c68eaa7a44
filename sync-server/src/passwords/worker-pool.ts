// Argon2id on worker threads: same answers as the in-thread hasher, without blocking the event loop.
import { Worker } from 'node:worker_threads';
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Argon2Limits } from './argon2';
import { interactiveLimits } from './argon2';
import type { PasswordHasher } from './port';

type Job = { op: 'hash'; secret: string } | { op: 'verify'; hash: string; secret: string };
interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export interface PooledHasher extends PasswordHasher {
  /** Jobs handed to the workers and not yet answered (running and queued). */
  readonly pending: number;
  /** Worker threads running: none until the first hash or verify (a relay-only process never starts them). */
  readonly threads: number;
  close(): Promise<void>;
}

/**
 * A pool of `threads` workers (default 2), started on the first job: each holds its own copy of
 * libsodium and Argon2's memory (~20 MB), which a process that never checks a password should not
 * pay. Jobs go to the least busy worker.
 * @example
 * const hasher = await createPooledArgon2Hasher();
 * const h = await hasher.hash(loginSecret);
 */
export async function createPooledArgon2Hasher(limits?: Argon2Limits, threads = 2): Promise<PooledHasher> {
  const { opslimit, memlimit } = limits ?? (await interactiveLimits());
  const url = new URL('./argon2-worker.mjs', import.meta.url);
  let nextId = 1;
  let closed = false;
  let workers: Array<{ w: Worker; pending: Map<number, Pending> }> = [];
  const start = () => {
    const w = new Worker(url);
    w.unref();
    const pending = new Map<number, Pending>();
    w.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(new Error(m.error ?? 'password hashing failed'));
    });
    w.on('error', (err) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    return { w, pending };
  };
  const run = (job: Job): Promise<unknown> => {
    if (closed) return Promise.reject(new MekongError(ErrorCode.UNAVAILABLE, 'password hashing has stopped; the server is shutting down'));
    if (workers.length === 0) workers = Array.from({ length: Math.max(1, threads) }, start);
    const slot = workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.w.postMessage({ id, opslimit, memlimit, ...job });
    });
  };
  return {
    hash: async (secret) => (await run({ op: 'hash', secret })) as string,
    verify: async (hash, secret) => (await run({ op: 'verify', hash, secret })) === true,
    get pending() {
      return workers.reduce((n, { pending }) => n + pending.size, 0);
    },
    get threads() {
      return workers.length;
    },
    async close() {
      closed = true;
      const running = workers;
      workers = [];
      await Promise.all(running.map(({ w }) => w.terminate()));
    },
  };
}
