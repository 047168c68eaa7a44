// Shared helpers for cross-package scenarios: a real server in this process, clients with their own homes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MekongClient } from '@mekong/client-core';
import { createNodeClient } from '@mekong/client-core/node';
import { type RunningMekong, startMekong } from '@mekong/sync-server';

export const FAST_HASH = { opslimit: 1, memlimit: 8192 };

export interface TestServer {
  dir: string;
  port: number;
  url: string;
  server: RunningMekong;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestServer(opts: { logFile?: string; logLevel?: string } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mekong-test-'));
  const logging = { logLevel: opts.logLevel ?? 'silent', ...(opts.logFile ? { logFile: opts.logFile } : {}) };
  let server = await startMekong({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), passwordHash: FAST_HASH, ...logging });
  const t: TestServer = {
    dir,
    port: server.port,
    url: `http://127.0.0.1:${server.port}`,
    server,
    async restart() {
      await server.stop();
      server = await startMekong({ port: t.port, host: '127.0.0.1', dataDir: join(dir, 'data'), passwordHash: FAST_HASH, ...logging });
      t.server = server;
    },
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

export async function newClient(server: TestServer, name: string, opts: { snapshotEvery?: number } = {}): Promise<MekongClient> {
  return createNodeClient({ server: server.url, home: join(server.dir, 'homes', name), pollIntervalMs: 300, ...opts });
}

/** Poll until `check` passes or time runs out. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}
