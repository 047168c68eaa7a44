// The one test suite every FanoutBus adapter passes.
import { afterEach, describe, expect, it } from 'vitest';
import type { BusMessage, FanoutBus } from '../ports';

/** Resolves once `check()` holds; adapters that deliver asynchronously need the wait. */
async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

// a bus may drop messages, never invent them: "nothing arrived" is checked after a marker that did arrive
const marker = (n: number): BusMessage => ({ kind: 'ephemeral', envelope: new Uint8Array([n]), origin: 'marker' });

/** Registers the FanoutBus contract tests; `setup` returns a fresh bus per test. */
export function runFanoutBusContract(name: string, setup: () => Promise<FanoutBus>): void {
  describe(`FanoutBus contract: ${name}`, () => {
    let buses: FanoutBus[] = [];
    const fresh = async () => {
      const bus = await setup();
      buses.push(bus);
      return bus;
    };
    afterEach(async () => {
      for (const b of buses) await b.close();
      buses = [];
    });

    it('delivers to subscribers of the conversation only, bytes intact', async () => {
      const bus = await fresh();
      const a: BusMessage[] = [];
      const b: BusMessage[] = [];
      bus.subscribe('a', (m) => a.push(m));
      bus.subscribe('b', (m) => b.push(m));
      const msg: BusMessage = { kind: 'update', seq: 3, envelope: new Uint8Array([1, 2, 3]), origin: 'conn-1' };
      await bus.publish('a', msg);
      await bus.publish('b', marker(1));
      await until(() => a.length === 1 && b.length === 1);
      expect(a[0]).toEqual(msg);
      expect(b).toEqual([marker(1)]);
    });

    it('reaches every subscriber and stops at unsubscribe', async () => {
      const bus = await fresh();
      const first: BusMessage[] = [];
      const second: BusMessage[] = [];
      const stop = bus.subscribe('c', (m) => first.push(m));
      bus.subscribe('c', (m) => second.push(m));
      await bus.publish('c', marker(1));
      await until(() => first.length === 1 && second.length === 1);
      stop();
      stop(); // idempotent
      await bus.publish('c', marker(2));
      await until(() => second.length === 2);
      expect(first).toEqual([marker(1)]);
    });

    it('keeps delivering when one handler throws', async () => {
      const bus = await fresh();
      const got: BusMessage[] = [];
      bus.subscribe('c', () => {
        throw new Error('handler bug');
      });
      bus.subscribe('c', (m) => got.push(m));
      await bus.publish('c', marker(1));
      await until(() => got.length === 1);
    });

    it('accepts a publish nobody listens to', async () => {
      const bus = await fresh();
      await expect(bus.publish('nobody', marker(1))).resolves.toBeUndefined();
    });
  });
}
