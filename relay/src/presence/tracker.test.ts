// A relay keeps the presence store current: a user is online from their first socket to their last,
// on any relay; heartbeats keep a live relay's entries from expiring; a stopped relay lets go.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createMemoryLogStore } from '../log';
import { createRelay } from '../relay';
import { createFakeDirectory, createFakeTokens } from '../test-support/fakes';
import { connectInMemory } from '../test-support/memory-socket';
import { Peer } from '../test-support/peer';
import { createMemoryPresence } from './memory';
import type { PresenceStore } from './port';
import { PRESENCE_TTL_MS, PresenceTracker } from './tracker';

const silent = pino({ level: 'silent' });
const HOUR = 3_600_000;
const tick = () => new Promise((r) => setImmediate(r));

function cluster() {
  const clock = { t: 1_700_000_000_000 };
  const now = () => clock.t;
  const presence = createMemoryPresence({ now });
  const tokens = createFakeTokens(now);
  for (const user of ['lan', 'minh']) {
    for (const device of ['phone', 'laptop']) tokens.tokens.set(`${user}:${device}`, { userId: user, deviceId: device, expiresAt: clock.t + HOUR });
  }
  const relay = () => createRelay({ log: createMemoryLogStore(), directory: createFakeDirectory(), tokens, presence, logger: silent, now });
  const connect = async (r: ReturnType<typeof relay>, token: string) => {
    const client = connectInMemory(r);
    const peer = new Peer(client, token);
    await peer.auth(token);
    return { peer, client };
  };
  const online = async (user: string) => (await presence.lookup([user]))[0]!.online;
  return { clock, presence, relay, connect, online };
}

describe('relay presence', () => {
  it('shows a user online from their first socket until their last one closes, across relays', async () => {
    const c = cluster();
    const one = c.relay();
    const two = c.relay();
    expect(await c.online('lan')).toBe(false);
    const phone = await c.connect(one, 'lan:phone');
    expect(await c.online('lan')).toBe(true);
    const laptop = await c.connect(two, 'lan:laptop');
    phone.client.close();
    await tick();
    expect(await c.online('lan'), 'the laptop on the other relay is still connected').toBe(true);
    c.clock.t += 1234;
    laptop.client.close();
    await tick();
    expect(await c.presence.lookup(['lan'])).toEqual([{ online: false, lastSeen: c.clock.t }]);
    await one.stop();
    await two.stop();
  });

  it('refreshes entries with heartbeats, so a live relay’s users outlast the time to live', async () => {
    const c = cluster();
    const store = c.presence;
    const tracker = new PresenceTracker(store, { logger: silent, heartbeatMs: 3_600_000 });
    tracker.connected('minh');
    await tracker.heartbeat();
    for (let i = 0; i < 4; i++) {
      c.clock.t += PRESENCE_TTL_MS / 2;
      await tracker.heartbeat();
    }
    c.clock.t += PRESENCE_TTL_MS - 1;
    expect(await c.online('minh')).toBe(true);
    // a relay that dies sends no more heartbeats: its entry runs out
    c.clock.t += 1;
    expect(await c.online('minh')).toBe(false);
    await tracker.close();
  });

  it('lets go of every user when the relay drains', async () => {
    const c = cluster();
    const one = c.relay();
    await c.connect(one, 'lan:phone');
    await c.connect(one, 'minh:phone');
    expect(await c.online('lan')).toBe(true);
    await one.stop();
    expect(await c.presence.lookup(['lan', 'minh'])).toEqual([
      { online: false, lastSeen: c.clock.t },
      { online: false, lastSeen: c.clock.t },
    ]);
  });

  it('keeps serving sockets when the presence store fails, and logs it once per outage', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    const broken: PresenceStore = {
      hold: async () => {
        throw new Error('redis down');
      },
      release: async () => {
        throw new Error('redis down');
      },
      lookup: async () => [],
      close: async () => {},
    };
    const tracker = new PresenceTracker(broken, { logger, heartbeatMs: 3_600_000 });
    tracker.connected('lan');
    tracker.connected('minh');
    await tracker.heartbeat();
    tracker.disconnected('lan');
    await tracker.close();
    expect(warnings).toEqual(['presence write failed']);
  });
});
