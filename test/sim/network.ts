// A whole Mekong deployment inside one process for seeded simulation: the real services on an
// in-memory SQLite database, the real relay core, and clients over an in-memory network.
import { createClient, createMemoryStorage, type MekongClient } from '@mekong/client-core';
import { createMemoryNetwork } from '@mekong/client-core/testing';
import { createMemoryBus, createMemoryLogStore, createRelay } from '@mekong/relay';
import { createServices, migrateToLatest, openDatabase } from '@mekong/sync-server';
import { pino } from 'pino';

/** Small, fast, seedable PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function simulatedDeployment() {
  const db = await openDatabase(':memory:');
  await migrateToLatest(db);
  const logger = pino({ level: 'silent' });
  const services = await createServices({ db, tokenSecret: new Uint8Array(32).fill(9), logger, passwordHash: { opslimit: 1, memlimit: 8192 } });
  const relay = createRelay({
    log: createMemoryLogStore(),
    directory: services.directory,
    tokens: { verify: (t) => services.tokens.verifyAccess(t) },
    bus: createMemoryBus(),
    logger,
    limits: { framesPerSecond: 100_000, burst: 100_000 },
  });
  const net = createMemoryNetwork((server) => relay.accept({ ...server, bufferedAmount: 0 }), { manual: true });
  const fetchImpl: typeof fetch = async (input, init) => services.app.request(String(input), init as RequestInit);
  const clients: MekongClient[] = [];
  return {
    net,
    relay,
    async client(): Promise<MekongClient> {
      const c = await createClient({
        server: 'http://sim.local',
        storage: createMemoryStorage(),
        transport: net.transport,
        fetch: fetchImpl,
        pollIntervalMs: 50,
        reconnect: { minMs: 1, maxMs: 20 },
      });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) await c.close().catch(() => {});
      await relay.stop();
      await db.destroy();
    },
  };
}
