// The one test suite every PresenceStore adapter passes.
import { describe, expect, it } from 'vitest';
import { perTest } from '../test-support/per-test';
import type { PresenceStore } from './port';

/** A clock the tests move by hand; every store of one test reads the same one. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export interface PresenceContractOptions {
  /** Stores made by separate `setup` calls share their state (one broker), as the processes of a cluster do. */
  shared?: boolean;
}

const TTL = 60_000;
let counter = 0;
/** User ids of their own per test, so a shared store never mixes tests. */
const users = (n: number) => {
  const run = `${Date.now().toString(36)}${(counter++).toString(36)}`;
  return Array.from({ length: n }, (_, i) => `u${run}_${i}`);
};

/** Registers the PresenceStore contract tests; `setup` returns a new store on each call, reading `clock`. */
export function runPresenceContract(name: string, setup: (clock: TestClock) => Promise<PresenceStore>, options: PresenceContractOptions = {}): void {
  describe(`PresenceStore contract: ${name}`, () => {
    let t = 1_700_000_000_000;
    const clock: TestClock = {
      now: () => t,
      advance: (ms) => {
        t += ms;
      },
    };
    const fresh = perTest(() => setup(clock), (store) => store.close());

    it('answers a user no relay ever held as offline, never seen', async () => {
      const store = await fresh();
      const [nobody] = users(1);
      expect(await store.lookup([nobody!])).toEqual([{ online: false, lastSeen: null }]);
      expect(await store.lookup([])).toEqual([]);
    });

    it('shows a held user online, seen when held, and offline once released, seen when released', async () => {
      const store = await fresh();
      const [lan] = users(1);
      const heldAt = clock.now();
      await store.hold('relay-1', [lan!], TTL);
      expect(await store.lookup([lan!])).toEqual([{ online: true, lastSeen: heldAt }]);
      clock.advance(5_000);
      await store.release('relay-1', lan!);
      expect(await store.lookup([lan!])).toEqual([{ online: false, lastSeen: heldAt + 5_000 }]);
    });

    it('keeps a user online while another relay still holds them', async () => {
      const one = await fresh();
      const two = options.shared ? await fresh() : one;
      const [minh] = users(1);
      await one.hold('relay-1', [minh!], TTL);
      await two.hold('relay-2', [minh!], TTL);
      await one.release('relay-1', minh!);
      expect((await two.lookup([minh!]))[0]!.online).toBe(true);
      await two.release('relay-2', minh!);
      expect((await one.lookup([minh!]))[0]!.online).toBe(false);
    });

    it('lets the hold of a relay that stopped refreshing expire, without hiding a live relay', async () => {
      const store = await fresh();
      const [hoa, tuan] = users(2);
      const heldAt = clock.now();
      await store.hold('dead-relay', [hoa!, tuan!], TTL);
      clock.advance(TTL - 1);
      expect((await store.lookup([hoa!])).map((p) => p.online)).toEqual([true]);
      await store.hold('live-relay', [tuan!], TTL);
      clock.advance(1);
      // hoa's only relay went silent a whole TTL ago; tuan is still held by a relay that refreshed
      expect(await store.lookup([hoa!, tuan!])).toEqual([
        { online: false, lastSeen: heldAt },
        { online: true, lastSeen: heldAt + TTL - 1 },
      ]);
    });

    it('extends a hold that is refreshed before it expires', async () => {
      const store = await fresh();
      const [lan] = users(1);
      await store.hold('relay-1', [lan!], TTL);
      for (let i = 0; i < 5; i++) {
        clock.advance(TTL / 3);
        await store.hold('relay-1', [lan!], TTL);
      }
      clock.advance(TTL - 1);
      expect((await store.lookup([lan!]))[0]!.online).toBe(true);
      clock.advance(1);
      expect((await store.lookup([lan!]))[0]!.online).toBe(false);
    });

    it('answers in the order asked, repeats included, for many users at once', async () => {
      const store = await fresh();
      const many = users(1200);
      const online = many.filter((_, i) => i % 3 === 0);
      await store.hold('relay-1', online, TTL);
      const asked = [...many.slice(0, 200), many[0]!];
      const got = await store.lookup(asked);
      expect(got.map((p) => p.online)).toEqual(asked.map((u) => online.includes(u)));
      expect(got.map((p) => p.lastSeen)).toEqual(asked.map((u) => (online.includes(u) ? clock.now() : null)));
      expect((await store.lookup(many.slice(-3))).map((p) => p.online)).toEqual(many.slice(-3).map((u) => online.includes(u)));
    });

    it('a release by a relay that never held the user only records when they were seen', async () => {
      const store = await fresh();
      const [lan] = users(1);
      await store.hold('relay-1', [lan!], TTL);
      await store.release('relay-2', lan!);
      expect(await store.lookup([lan!])).toEqual([{ online: true, lastSeen: clock.now() }]);
    });

    it('refuses work once closed', async () => {
      const store = await setup(clock);
      await store.close();
      await expect(store.lookup(['u'])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(store.hold('relay-1', ['u'], TTL)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });
  });
}
