import { expect, it } from 'vitest';
import { runPresenceContract } from './contract';
import { createMemoryPresence } from './memory';

runPresenceContract('memory', async (clock) => createMemoryPresence({ now: clock.now }));

it('forgets a last-seen time after its retention', async () => {
  let t = 0;
  const store = createMemoryPresence({ now: () => t, lastSeenTtlMs: 1000 });
  await store.release('relay-1', 'lan');
  t = 999;
  expect(await store.lookup(['lan'])).toEqual([{ online: false, lastSeen: 0 }]);
  t = 1000;
  expect(await store.lookup(['lan'])).toEqual([{ online: false, lastSeen: null }]);
});
