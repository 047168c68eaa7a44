// The page's password worker: one Argon2id run per request (register, log in), off the main thread
// so that the page keeps painting and answering meanwhile. Answers the secrets or the typed error.
import { cryptoReady, derivePasswordSecrets } from '@mekong/client-core/password';

export interface PasswordRequest {
  id: number;
  username: string;
  password: string;
}

export type PasswordAnswer =
  | { id: number; loginSecret: string; backupKey: Uint8Array }
  | { id: number; error: { code: string; message: string } };

const scope = self as unknown as { onmessage: ((e: MessageEvent<PasswordRequest>) => void) | null; postMessage(a: PasswordAnswer): void };

scope.onmessage = (e) => {
  const { id, username, password } = e.data;
  cryptoReady()
    .then(() => derivePasswordSecrets(username, password))
    .then(
      ({ loginSecret, backupKey }) => scope.postMessage({ id, loginSecret, backupKey }),
      (err: { code?: unknown; message?: unknown }) =>
        scope.postMessage({ id, error: { code: typeof err?.code === 'string' ? err.code : 'INTERNAL', message: String(err?.message ?? err) } }),
    );
};
