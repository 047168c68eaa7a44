// Presence and typing across relays: an API process and two relay processes' worth of services on
// one PostgreSQL schema and one Redis. Lan is connected to relay 1, Minh to relay 2; they share a
// group. Lan sees Minh online, sees him typing in the group, and sees him offline once he closes;
// someone Lan shares nothing with stays hidden although online. The one-process configuration
// (no Redis: presence in memory, shared by the embedded relay and the API) is checked too.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Conversation, MekongClient } from '@mekong/client-core';
import { createNodeClient } from '@mekong/client-core/node';
import type { RunningMekong } from '@mekong/sync-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, newClient, startTestServer } from '../helpers';
import { SKIP_CLUSTER, SKIP_CLUSTER_NOTE, startTwoRelayCluster, type TwoRelayCluster } from './relay-cluster';

let cluster: TwoRelayCluster;
const clients: MekongClient[] = [];

async function client(name: string, relay: RunningMekong): Promise<MekongClient> {
  const c = await createNodeClient({
    server: cluster.apiUrl,
    relay: `http://127.0.0.1:${relay.port}`,
    home: join(cluster.dir, name),
    pollIntervalMs: 200,
  });
  clients.push(c);
  await c.register({ username: name, password: `${name} password 123`, displayName: name[0]!.toUpperCase() + name.slice(1) });
  await eventually(() => c.status === 'online', 10_000, `${name} online`);
  return c;
}

beforeAll(async () => {
  if (!SKIP_CLUSTER) cluster = await startTwoRelayCluster('presence');
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await cluster?.stop();
});

describe.skipIf(SKIP_CLUSTER)(`presence and typing across relays (PostgreSQL + Redis)${SKIP_CLUSTER_NOTE}`, () => {
  it('shows a member on another relay online, typing in the group, and offline once he closes', async () => {
    const [relay1, relay2] = cluster.relays;
    const tag = randomBytes(3).toString('hex');
    const lan = await client(`lan${tag}`, relay1);
    const minh = await client(`minh${tag}`, relay2);
    const stranger = await client(`khach${tag}`, relay2);
    const minhId = minh.session!.userId;

    const group = await lan.createGroup({ name: 'Nhà mình', members: [minh.session!.username] });
    await eventually(async () => (await minh.groups()).some((g) => g.id === group.id), 15_000, 'minh sees the group');
    const lanChat: Conversation = await lan.open(group.id);
    const minhChat: Conversation = await minh.open(group.id);
    await lanChat.synced();
    await minhChat.synced();

    // online: Minh's socket is on relay 2, Lan asks the API, which reads what relay 2 wrote to Redis
    const [seen] = await lan.presence([minh.session!.username]);
    expect(seen).toMatchObject({ userId: minhId, online: true });
    expect(seen!.lastSeen).toBeGreaterThan(0);
    // someone Lan shares nothing with is hidden, though connected
    expect(await lan.presence([{ id: stranger.session!.userId }])).toEqual([{ userId: stranger.session!.userId, online: false, lastSeen: null }]);

    // typing: sealed by Minh's device, relayed through relay 2 → Redis → relay 1, opened by Lan
    const typing: string[][] = [];
    lanChat.onTyping((users) => typing.push(users.map((u) => u.displayName)));
    const typedAt = performance.now();
    minhChat.typing();
    const minhName = minh.session!.displayName;
    await eventually(() => typing.at(-1)?.join() === minhName, 5_000, 'lan sees minh typing');
    const typingLatency = performance.now() - typedAt;
    await minhChat.send('Tối nay ăn gì?');
    await eventually(() => lanChat.messages().some((m) => m.text === 'Tối nay ăn gì?'), 10_000, 'the message');
    await eventually(() => typing.at(-1)?.length === 0, 5_000, 'typing cleared once the message is sent');
    expect(typing[0]).toEqual([]);
    expect(typing).toContainEqual([minhName]);

    // offline: Minh closes his client; relay 2 lets go of him at once
    const beforeClose = Date.now();
    const closedAt = performance.now();
    await minh.close();
    await eventually(async () => !(await lan.presence([{ id: minhId }]))[0]!.online, 5_000, 'minh offline');
    const offlineLatency = performance.now() - closedAt;
    const [gone] = await lan.presence([{ id: minhId }]);
    expect(gone!.lastSeen).toBeGreaterThanOrEqual(beforeClose - 1000);
    console.info(`presence across relays: typing seen after ${typingLatency.toFixed(1)} ms; offline seen ${offlineLatency.toFixed(1)} ms after close (upper bounds, polled)`);
  }, 60_000);
});

describe('presence in one process (no Redis)', () => {
  it('shows the person who wrote first online to the one they wrote to, and offline once they close', async () => {
    const server = await startTestServer();
    const lan = await newClient(server, 'lan');
    const minh = await newClient(server, 'minh');
    try {
      await lan.register({ username: 'lan', password: 'lan password 1234', displayName: 'Lan' });
      await minh.register({ username: 'minh', password: 'minh password 123', displayName: 'Minh' });
      await (await lan.openDirect('minh')).send('Chào Minh');
      await eventually(() => lan.status === 'online', 10_000, 'lan online');
      expect((await minh.presence(['lan']))[0]).toMatchObject({ userId: lan.session!.userId, online: true });
      // Minh has not answered Lan's message request: Lan learns nothing about Minh yet
      expect(await lan.presence(['minh'])).toEqual([{ userId: minh.session!.userId, online: false, lastSeen: null }]);
      await lan.close();
      await eventually(async () => !(await minh.presence(['lan']))[0]!.online, 5_000, 'lan offline');
      expect((await minh.presence(['lan']))[0]!.lastSeen).toBeGreaterThan(0);
    } finally {
      await lan.close().catch(() => {});
      await minh.close();
      await server.stop();
    }
  }, 30_000);
});
