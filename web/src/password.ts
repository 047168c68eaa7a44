// Password derivation for the web app: Argon2id (≈0.3 s, seconds on a slow phone) runs in a worker
// so that the page keeps painting and answering meanwhile. Where a worker cannot start (an old
// browser, a blocked script), it runs on this thread as before: the same secrets, a frozen page.
import { ErrorCode, MekongError } from '@mekong/client-core';
import { derivePasswordSecrets, type PasswordDeriver } from '@mekong/client-core/crypto';
import type { PasswordAnswer, PasswordRequest } from './password-worker';

type Secrets = Awaited<ReturnType<PasswordDeriver>>;
interface Pending {
  username: string;
  password: string;
  resolve(s: Secrets): void;
  reject(e: unknown): void;
}

const isCode = (c: string): c is ErrorCode => Object.values(ErrorCode).includes(c as ErrorCode);

/**
 * A PasswordDeriver backed by one worker, started at the first sign-in and kept for the next.
 * @example createClient({ server, storage, derivePassword: workerPasswordDeriver() })
 */
export function workerPasswordDeriver(): PasswordDeriver {
  let worker: Worker | null | undefined; // undefined: not started yet; null: cannot run here
  const pending = new Map<number, Pending>();
  let next = 0;

  /** The worker died or never loaded: what it was asked is derived here instead, and so is what follows. */
  const giveUp = () => {
    worker?.terminate();
    worker = null;
    for (const [id, p] of [...pending]) {
      pending.delete(id);
      derivePasswordSecrets(p.username, p.password).then(p.resolve, p.reject);
    }
  };

  const start = (): Worker | null => {
    if (worker !== undefined) return worker;
    worker = null;
    if (typeof Worker !== 'function') return null;
    try {
      worker = new Worker(new URL('./password-worker.ts', import.meta.url), { type: 'module', name: 'mekong-password' });
    } catch {
      return null;
    }
    worker.onerror = giveUp;
    worker.onmessage = (e: MessageEvent<PasswordAnswer>) => {
      const a = e.data;
      const p = pending.get(a.id);
      if (!p) return;
      pending.delete(a.id);
      if ('error' in a) p.reject(new MekongError(isCode(a.error.code) ? a.error.code : ErrorCode.INTERNAL, a.error.message));
      else p.resolve({ loginSecret: a.loginSecret, backupKey: a.backupKey as Secrets['backupKey'] });
    };
    return worker;
  };

  return (username, password) => {
    const w = start();
    if (!w) return derivePasswordSecrets(username, password);
    const id = ++next;
    return new Promise<Secrets>((resolve, reject) => {
      pending.set(id, { username, password, resolve, reject });
      w.postMessage({ id, username, password } satisfies PasswordRequest);
    });
  };
}
