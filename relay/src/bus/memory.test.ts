import { runFanoutBusContract } from './contract';
import { createMemoryBus } from './memory';

runFanoutBusContract('memory', async () => createMemoryBus());
