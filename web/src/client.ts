// Creates the one Mekong client of this tab: local IndexedDB storage plus the server this page came from.
import { createClient, createIndexedDbStorage, type MekongClient } from '@mekong/client-core';
import { workerPasswordDeriver } from './password';

/** Name of the IndexedDB database holding this browser's keys and conversations. */
export const DB_NAME = 'mekong';

let starting: Promise<MekongClient> | null = null;

/**
 * The tab's client, created on first call. Memoised so that React's double-run of effects in
 * development never opens the database twice; a failed start is forgotten so "Try again" retries.
 */
export function startClient(): Promise<MekongClient> {
  if (!starting) {
    starting = createIndexedDbStorage(DB_NAME).then((storage) => createClient({ server: location.origin, storage, derivePassword: workerPasswordDeriver() }));
    starting.catch(() => {
      starting = null;
    });
  }
  return starting;
}
