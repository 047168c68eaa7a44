// What the server keeps must not contain message content: plant random markers, then search
// every byte the server wrote (database, WAL, data folder, logs at debug level).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MekongClient } from '@mekong/client-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, newClient, startTestServer, type TestServer } from '../helpers';

let server: TestServer;
let alice: MekongClient;
let bob: MekongClient;
let logFile: string;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

beforeAll(async () => {
  const probe = await startTestServer();
  logFile = join(probe.dir, 'server.log');
  await probe.server.stop();
  server = await startTestServer({ logFile, logLevel: 'debug' });
  alice = await newClient(server, 'alice');
  bob = await newClient(server, 'bob');
  await alice.register({ username: 'alice', password: 'alice password 1', displayName: 'Alice' });
  await bob.register({ username: 'bob', password: 'bob password 12', displayName: 'Bob' });
});

afterAll(async () => {
  await alice?.close();
  await bob?.close();
  await server?.stop();
});

describe('the server never holds message content', () => {
  it('finds none of the planted markers in the data folder or the logs', async () => {
    const markers = Array.from({ length: 12 }, () => `MK${randomBytes(9).toString('hex')}`);
    const chat = await alice.openDirect('bob');
    for (const m of markers.slice(0, 6)) await chat.send(`tin nhắn ${m} bí mật`);
    await eventually(async () => (await bob.conversations()).length > 0);
    const [s] = await bob.conversations();
    const bChat = await bob.open(s!.id);
    for (const m of markers.slice(6)) await bChat.send(`reply ${m}`);
    await chat.synced();
    await bChat.synced();
    await eventually(() => markers.every((m) => chat.messages().some((x) => x.text.includes(m))), 15_000, 'all markers delivered');
    await chat.markRead();
    await chat.synced();

    const files = [...filesUnder(join(server.dir, 'data')), logFile];
    expect(files.some((f) => f.endsWith('mekong.db'))).toBe(true);
    expect(readFileSync(logFile).length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const m of markers) {
        expect(bytes.includes(Buffer.from(m)), `${m} found in ${f}`).toBe(false);
      }
    }
    // the planted markers are really in the clients' own local stores (the check above can fail)
    const local = readFileSync(join(server.dir, 'homes', 'alice', 'mekong.db'));
    const wal = (() => {
      try {
        return readFileSync(join(server.dir, 'homes', 'alice', 'mekong.db-wal'));
      } catch {
        return Buffer.alloc(0);
      }
    })();
    expect(markers.some((m) => local.includes(Buffer.from(m)) || wal.includes(Buffer.from(m)))).toBe(true);
    bChat.close();
  });
});
