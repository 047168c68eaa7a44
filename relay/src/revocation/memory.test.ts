import { runRevocationBusContract } from './contract';
import { createMemoryRevocations } from './memory';

runRevocationBusContract('memory', async () => createMemoryRevocations());
