import { runBlobStoreContract } from './contract';
import { createMemoryBlobStore } from './memory';

runBlobStoreContract('memory', async () => ({ store: createMemoryBlobStore() }));
