// The one test suite every FanoutBus adapter passes.
import { ErrorCode } from '@mekong/schema';
import { describe, expect, it } from 'vitest';
import { perTest } from '../test-support/per-test';
import type { BusMessage, FanoutBus } from '../ports';
import { until } from '../test-support/wait';

// a bus may drop messages, never invent them: "nothing arrived" is checked after a marker that did arrive
const marker = (n: number): BusMessage => ({ kind: 'ephemeral', envelope: new Uint8Array([n]), origin: 'marker' });

export interface FanoutBusContractOptions {
  /** Buses made by separate `setup` calls reach each other (they share a broker), as relay processes do. */
  shared?: boolean;
}

/** Registers the FanoutBus contract tests; `setup` returns a new bus on each call. */
export function runFanoutBusContract(name: string, setup: () => Promise<FanoutBus>, options: FanoutBusContractOptions = {}): void {
  describe(`FanoutBus contract: ${name}`, () => {
    const fresh = perTest(setup, (bus) => bus.close());

    it('delivers to subscribers of the conversation only, bytes intact', async () => {
      const bus = await fresh();
      const a: BusMessage[] = [];
      const b: BusMessage[] = [];
      await bus.subscribe('a', (m) => a.push(m)).ready;
      await bus.subscribe('b', (m) => b.push(m)).ready;
      const msg: BusMessage = { kind: 'update', seq: 3, envelope: new Uint8Array([1, 2, 3]), origin: 'conn-1' };
      await bus.publish('a', msg);
      await bus.publish('b', marker(1));
      await until(() => a.length === 1 && b.length === 1);
      expect(a[0]).toEqual(msg);
      expect(b).toEqual([marker(1)]);
    });

    it('carries both kinds with large sequence numbers, long envelopes and any origin', async () => {
      const bus = await fresh();
      const got: BusMessage[] = [];
      await bus.subscribe('k', (m) => got.push(m)).ready;
      const big = new Uint8Array(200_000).map((_, i) => (i * 31 + 7) & 0xff);
      const sent: BusMessage[] = [
        { kind: 'update', seq: Number.MAX_SAFE_INTEGER, envelope: big, origin: 'kết nối-1' },
        { kind: 'update', seq: 1, envelope: new Uint8Array([0]), origin: '' },
        { kind: 'ephemeral', envelope: new Uint8Array([255, 0, 255]), origin: 'x'.repeat(200) },
      ];
      for (const m of sent) await bus.publish('k', m);
      await until(() => got.length === sent.length);
      // hex keeps the comparison of 200 kB cheap; a deep equal walks it element by element
      const hex = (ms: BusMessage[]) => ms.map((m) => ({ ...m, envelope: Buffer.from(m.envelope).toString('hex') }));
      expect(hex(got)).toEqual(hex(sent));
      expect(got.every((m) => m.envelope instanceof Uint8Array)).toBe(true);
    });

    it('keeps the publish order of one bus', async () => {
      const bus = await fresh();
      const got: number[] = [];
      await bus.subscribe('o', (m) => m.kind === 'update' && got.push(m.seq)).ready;
      const seqs = Array.from({ length: 200 }, (_, i) => i + 1);
      await Promise.all(seqs.map((seq) => bus.publish('o', { kind: 'update', seq, envelope: new Uint8Array([seq & 0xff]), origin: 'p' })));
      await until(() => got.length === seqs.length);
      expect(got).toEqual(seqs);
    });

    it('is live once ready resolves: a publish right after it arrives, on a fresh conversation each time', async () => {
      const subscriber = await fresh();
      // across buses when they share a broker: readiness must hold for a publisher in another process too
      const publisher = options.shared ? await fresh() : subscriber;
      for (let i = 0; i < 20; i++) {
        const got: BusMessage[] = [];
        await subscriber.subscribe(`fresh-${i}`, (m) => got.push(m)).ready;
        await publisher.publish(`fresh-${i}`, marker(i));
        await until(() => got.length === 1);
        expect(got).toEqual([marker(i)]);
      }
    });

    it('reaches every subscriber and stops at unsubscribe', async () => {
      const bus = await fresh();
      const first: BusMessage[] = [];
      const second: BusMessage[] = [];
      const one = bus.subscribe('c', (m) => first.push(m));
      const two = bus.subscribe('c', (m) => second.push(m));
      await Promise.all([one.ready, two.ready]);
      await bus.publish('c', marker(1));
      await until(() => first.length === 1 && second.length === 1);
      one.unsubscribe();
      one.unsubscribe(); // idempotent
      await bus.publish('c', marker(2));
      await until(() => second.length === 2);
      expect(first).toEqual([marker(1)]);
    });

    it('a second subscription to a followed conversation is ready and live too', async () => {
      const bus = await fresh();
      const first: BusMessage[] = [];
      await bus.subscribe('s', (m) => first.push(m)).ready;
      const later: BusMessage[] = [];
      await bus.subscribe('s', (m) => later.push(m)).ready;
      await bus.publish('s', marker(1));
      await until(() => first.length === 1 && later.length === 1);
    });

    it('ends cleanly when unsubscribed before it was ready, and can follow the conversation again', async () => {
      const bus = await fresh();
      const early: BusMessage[] = [];
      const gone = bus.subscribe('u', (m) => early.push(m));
      gone.unsubscribe();
      await gone.ready.catch(() => undefined); // either outcome is fine; it must just settle
      const again: BusMessage[] = [];
      await bus.subscribe('u', (m) => again.push(m)).ready;
      await bus.publish('u', marker(1));
      await until(() => again.length === 1);
      expect(early).toEqual([]);
    });

    it('keeps delivering when one handler throws', async () => {
      const bus = await fresh();
      const got: BusMessage[] = [];
      await bus.subscribe('c', () => {
        throw new Error('handler bug');
      }).ready;
      await bus.subscribe('c', (m) => got.push(m)).ready;
      await bus.publish('c', marker(1));
      await until(() => got.length === 1);
    });

    it('accepts a publish nobody listens to', async () => {
      const bus = await fresh();
      await expect(bus.publish('nobody', marker(1))).resolves.toBeUndefined();
    });

    it('lets a gap listener stop listening, and refuses to publish once closed', async () => {
      const bus = await fresh();
      const stop = bus.onGap(() => {});
      expect(typeof stop).toBe('function');
      stop();
      await bus.close();
      await bus.close(); // idempotent
      await expect(bus.publish('c', marker(1))).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    });
  });
}
