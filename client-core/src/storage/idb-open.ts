// Opening an IndexedDB database as a promise, with the blocked and failure cases turned into typed errors.
import { storageFailure } from './rules';

/**
 * Opens `name` at `version`, calling `upgrade` when the database is new or older.
 * If another connection blocks an upgrade, the promise rejects with UNAVAILABLE at once rather than
 * hanging; should the open complete later anyway, the upgrade is aborted (or the connection closed)
 * so a caller that already gave up never ends up holding an unseen connection.
 *
 * @example
 * const db = await openIndexedDb(indexedDB, 'mekong', 1, (db) => db.createObjectStore('kv'));
 */
export function openIndexedDb(
  idb: IDBFactory,
  name: string,
  version: number,
  upgrade: (db: IDBDatabase) => void,
): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string, cause: unknown): void => {
      if (settled) return;
      settled = true;
      reject(storageFailure(message, cause));
    };

    let request: IDBOpenDBRequest;
    try {
      request = idb.open(name, version);
    } catch (err) {
      fail('Could not open the local database; check that site storage is allowed.', err);
      return;
    }

    request.onupgradeneeded = () => {
      if (settled) {
        request.transaction?.abort();
        return;
      }
      try {
        upgrade(request.result);
      } catch (err) {
        fail('Could not prepare the local database; clear site data and reload.', err);
        request.transaction?.abort();
      }
    };
    request.onblocked = () => {
      fail('The local database is in use by an older version of the app; close other tabs and reload.', {
        name: 'BlockedError',
      });
    };
    request.onsuccess = () => {
      const db = request.result;
      if (settled) {
        db.close();
        return;
      }
      settled = true;
      resolve(db);
    };
    request.onerror = (event) => {
      // A VersionError here means a newer app version already upgraded this database.
      event.preventDefault();
      fail('Could not open the local database; it may belong to a newer version of the app or storage may be full.', request.error);
    };
  });
}

/**
 * Resolves when `tx` commits; rejects with UNAVAILABLE when it aborts (then nothing it did was written).
 * @example await transactionDone(store.transaction);
 */
export function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () =>
      reject(storageFailure('Could not write to the local database; free up storage and retry.', tx.error ?? { name: 'AbortError' }));
  });
}

/**
 * Resolves with a request's result; rejects with UNAVAILABLE when it fails.
 * @example const value = await requestResult(store.get('device/keys'));
 */
export function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(storageFailure('Could not read the local database; reload and retry.', request.error));
  });
}
