// A new device starts from the latest encrypted snapshot plus the tail of the log, not from every update.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MekongClient } from '@mekong/client-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, newClient, startTestServer, type TestServer } from '../helpers';

let server: TestServer;
let alice: MekongClient;
let bob: MekongClient;

beforeAll(async () => {
  server = await startTestServer();
  alice = await newClient(server, 'alice', { snapshotEvery: 8 });
  bob = await newClient(server, 'bob', { snapshotEvery: 8 });
  await alice.register({ username: 'alice', password: 'alice password 1', displayName: 'Alice' });
  await bob.register({ username: 'bob', password: 'bob password 12', displayName: 'Bob' });
});
afterAll(async () => {
  await alice?.close();
  await bob?.close();
  await server?.stop();
});

function relaySnapshot(): { seq: number; bytes: number } | undefined {
  const db = new Database(join(server.dir, 'data', 'mekong.db'), { readonly: true });
  try {
    return db.prepare('select seq, length(envelope) as bytes from relay_snapshots order by seq desc limit 1').get() as
      | { seq: number; bytes: number }
      | undefined;
  } finally {
    db.close();
  }
}

describe('snapshots', () => {
  it('are uploaded as history grows and bootstrap a new device with snapshot + tail', async () => {
    const chat = await alice.openDirect('bob');
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      sent.push(`message ${i}`);
      await chat.send(`message ${i}`);
    }
    await chat.synced();
    await eventually(() => (relaySnapshot()?.seq ?? 0) >= 10, 15_000, 'a snapshot on the relay');
    const snap = relaySnapshot()!;
    expect(snap.bytes).toBeGreaterThan(100);

    for (let i = 40; i < 45; i++) {
      sent.push(`message ${i}`);
      await chat.send(`message ${i}`);
    }
    await chat.synced();

    // bob's first device was never opened: log in on a fresh device and read everything
    const laptop = await newClient(server, 'bob-laptop');
    await bob.close();
    await laptop.login({ username: 'bob', password: 'bob password 12' });
    await eventually(async () => (await laptop.conversations()).length > 0);
    const conv = await laptop.open((await laptop.conversations())[0]!.id);
    await conv.synced();
    while (await conv.loadOlder(100)) {
      /* whole history */
    }
    expect(conv.messages().map((m) => m.text)).toEqual(sent);
    expect(conv.messages().every((m) => m.from.username === 'alice')).toBe(true);
    conv.close();
    await laptop.close();
    bob = await newClient(server, 'bob');
  });
});
