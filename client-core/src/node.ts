// Node entry of client-core: everything in the browser entry plus SQLite storage and the `ws` transport.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createClient } from './index';
import type { ClientOptions } from './client/client';
import type { MekongClient } from './client/types';
import { createSqliteStorage } from './storage/sqlite';
import { type WebSocketConstructor, webSocketTransport } from './transport/websocket';

export * from './index';
export { createSqliteStorage } from './storage/sqlite';

/** The WebSocket transport backed by the `ws` package. */
export const nodeTransport = () => webSocketTransport(WebSocket as unknown as WebSocketConstructor);

/**
 * Create a client whose device keys and local data live in `home` (an SQLite file).
 * @example
 * const client = await createNodeClient({ server: 'http://localhost:8787', home: './alice' });
 * await client.login({ username: 'alice', password: 'a long password' });
 */
export async function createNodeClient(
  opts: Omit<ClientOptions, 'storage' | 'transport'> & { home: string; transport?: ClientOptions['transport'] },
): Promise<MekongClient> {
  mkdirSync(opts.home, { recursive: true });
  const storage = createSqliteStorage(join(opts.home, 'mekong.db'));
  return createClient({ ...opts, storage, transport: opts.transport ?? nodeTransport() });
}
