import { runLogStoreContract } from './contract';
import { createMemoryLogStore } from './memory';

runLogStoreContract('memory', async () => ({ store: createMemoryLogStore() }));
