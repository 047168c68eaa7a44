// Two Node clients chat through the real relay over real WebSockets, through failures.
import type { Conversation, MekongClient } from '@mekong/client-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, newClient, startTestServer, type TestServer } from '../helpers';

let server: TestServer;
let alice: MekongClient;
let bob: MekongClient;
let aChat: Conversation;

const texts = (c: Conversation) => c.messages().map((m) => m.text);

async function bobChat(): Promise<Conversation> {
  await eventually(async () => (await bob.conversations()).length > 0, 15_000, 'bob to see the conversation');
  const [summary] = await bob.conversations();
  return bob.open(summary!.id);
}

beforeAll(async () => {
  server = await startTestServer();
  alice = await newClient(server, 'alice');
  bob = await newClient(server, 'bob');
  await alice.register({ username: 'alice', password: 'alice password 1', displayName: 'Alice' });
  await bob.register({ username: 'bob', password: 'bob password 12', displayName: 'Bob Nguyễn' });
  aChat = await alice.openDirect('bob');
});

afterAll(async () => {
  await alice?.close();
  await bob?.close();
  await server?.stop();
});

describe('two clients through a real relay', () => {
  it('delivers a message live', async () => {
    await aChat.send('xin chào Bob');
    const bChat = await bobChat();
    await eventually(() => texts(bChat).includes('xin chào Bob'), 15_000, 'live delivery');
    const m = bChat.messages().find((x) => x.text === 'xin chào Bob')!;
    expect(m.mine).toBe(false);
    expect(m.from.username).toBe('alice');
    await eventually(() => aChat.messages()[0]?.status === 'sent', 5000, 'ack');
    bChat.close();
  });

  it('delivers to a recipient who was offline when it was sent', async () => {
    await bob.close();
    await aChat.send('while you were away');
    await aChat.synced();
    bob = await newClient(server, 'bob'); // same home: restores the session
    expect(bob.session?.username).toBe('bob');
    const bChat = await bobChat();
    await bChat.synced();
    expect(texts(bChat)).toContain('while you were away');
    bChat.close();
  });

  it('catches up after a relay restart and sends what was queued meanwhile', async () => {
    const bChat = await bobChat();
    await server.restart();
    await aChat.send('after restart');
    await eventually(() => texts(bChat).includes('after restart'), 30_000, 'delivery after restart');
    expect(texts(bChat).filter((t) => t === 'after restart')).toHaveLength(1);
    bChat.close();
  });

  it('resends after dropped sockets with no duplicates', async () => {
    const bChat = await bobChat();
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const t = `burst ${i}`;
      sent.push(t);
      await aChat.send(t);
      if (i % 4 === 1) (alice as unknown as { dropConnection(): void }).dropConnection();
      if (i % 7 === 3) (bob as unknown as { dropConnection(): void }).dropConnection();
    }
    await aChat.synced(30_000);
    await eventually(() => sent.every((t) => texts(bChat).includes(t)), 30_000, 'all burst messages');
    await bChat.synced(30_000);
    for (const t of sent) expect(texts(bChat).filter((x) => x === t)).toHaveLength(1);
    const ids = bChat.messages().map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    // both sides hold the same conversation, in the same order
    expect(texts(bChat)).toEqual(texts(aChat));
    bChat.close();
  });
});
