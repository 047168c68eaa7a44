// A whole Mekong deployment inside one process for seeded simulation: the real services on an
// in-memory SQLite database, the real relay core, and clients over an in-memory network.
import { type ClientOptions, createClient, createMemoryStorage, type MekongClient, type Transport } from '@mekong/client-core';
import { createMemoryNetwork, type MemoryAcceptor } from '@mekong/client-core/testing';
import { createMemoryBus, createMemoryLogStore, createRelay } from '@mekong/relay';
import { createServices, migrateToLatest, openDatabase } from '@mekong/sync-server';
import { pino } from 'pino';

export { rng } from './rng';

/** The server side of a simulated deployment: real services on in-memory SQLite and the real relay core. */
export async function simulatedServices() {
  const db = await openDatabase(':memory:');
  await migrateToLatest(db);
  const logger = pino({ level: 'silent' });
  const services = await createServices({ db, tokenSecret: new Uint8Array(32).fill(9), logger, passwordHash: { opslimit: 1, memlimit: 8192 } });
  const log = createMemoryLogStore();
  const relay = createRelay({
    log,
    directory: services.directory,
    tokens: { verify: (t) => services.tokens.verifyAccess(t) },
    bus: createMemoryBus(),
    logger,
    limits: { framesPerSecond: 100_000, burst: 100_000 },
  });
  const accept: MemoryAcceptor = (server) => relay.accept({ ...server, bufferedAmount: 0 });
  const fetchImpl: typeof fetch = async (input, init) => services.app.request(String(input), init as RequestInit);
  return {
    relay,
    /** the relay's durable log, for checks of what it holds */
    log,
    accept,
    fetch: fetchImpl,
    /** A client of this deployment over `transport`; `storage` survives a restart when passed again. */
    client(transport: Transport, opts: Partial<ClientOptions> = {}): Promise<MekongClient> {
      return createClient({
        server: 'http://sim.local',
        storage: createMemoryStorage(),
        transport,
        fetch: fetchImpl,
        pollIntervalMs: 50,
        reconnect: { minMs: 1, maxMs: 20 },
        ...opts,
      });
    },
    async close() {
      await relay.stop();
      await db.destroy();
    },
  };
}

export async function simulatedDeployment() {
  const sim = await simulatedServices();
  const net = createMemoryNetwork(sim.accept, { manual: true });
  const clients: MekongClient[] = [];
  return {
    net,
    relay: sim.relay,
    async client(): Promise<MekongClient> {
      const c = await sim.client(net.transport);
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) await c.close().catch(() => {});
      await sim.close();
    },
  };
}
