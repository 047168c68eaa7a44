// Runs the storage contract against the in-memory adapter.
import { createMemoryStorage } from './memory';
import { runStorageContract } from './contract';

runStorageContract('memory', async () => {
  const storage = createMemoryStorage();
  return { storage, teardown: () => storage.close() };
});
