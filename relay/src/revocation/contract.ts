// The one test suite every RevocationBus adapter passes: revocations, and the join and change hints it also carries.
import { ErrorCode } from '@mekong/schema';
import { describe, expect, it } from 'vitest';
import { perTest } from '../test-support/per-test';
import type { Changed, Joined, ListHint, Revocation, RevocationBus } from '../ports';
import { until } from '../test-support/wait';

export interface RevocationBusContractOptions {
  /** Buses made by separate `setup` calls reach each other (they share a broker), as the processes of a cluster do. */
  shared?: boolean;
}

const device: Revocation = { kind: 'device', userId: 'u_lan', deviceId: 'd_phone' };
const user: Revocation = { kind: 'user', userId: 'u_minh' };
const member: Revocation = { kind: 'member', conversationId: 'g_nhóm-bạn', userId: 'u_lan' };
const joined: Joined = { kind: 'joined', conversationId: 'g_nhóm-bạn', userId: 'u_minh' };
const changed: Changed = { kind: 'changed', conversationId: 'g_nhóm-bạn' };

/** Registers the RevocationBus contract tests; `setup` returns a new bus on each call. */
export function runRevocationBusContract(name: string, setup: () => Promise<RevocationBus>, options: RevocationBusContractOptions = {}): void {
  describe(`RevocationBus contract: ${name}`, () => {
    const fresh = perTest(setup, (bus) => bus.close());

    it('delivers each kind of event to every listener with its fields intact, in publish order', async () => {
      const listener = await fresh();
      const publisher = options.shared ? await fresh() : listener;
      const first: Revocation[] = [];
      const second: Revocation[] = [];
      await listener.subscribe((e) => first.push(e)).ready;
      await listener.subscribe((e) => second.push(e)).ready;
      for (const e of [device, user, member]) await publisher.publish(e);
      await until(() => first.length === 3 && second.length === 3);
      expect(first).toEqual([device, user, member]);
      expect(second).toEqual([device, user, member]);
    });

    it('sends only the fields of the event', async () => {
      const bus = await fresh();
      const got: Revocation[] = [];
      await bus.subscribe((e) => got.push(e)).ready;
      await bus.publish({ ...user, extra: 'not part of an event' } as unknown as Revocation);
      await until(() => got.length === 1);
      expect(got).toEqual([user]);
    });

    it('refuses a malformed event with BAD_REQUEST and sends nothing', async () => {
      const bus = await fresh();
      const got: Revocation[] = [];
      await bus.subscribe((e) => got.push(e)).ready;
      const bad = [
        { kind: 'device', userId: 'u' },
        { kind: 'user', userId: '' },
        { kind: 'member', conversationId: 'c'.repeat(200), userId: 'u' },
        { kind: 'everyone' },
        null,
      ];
      for (const e of bad) await expect(bus.publish(e as unknown as Revocation)).rejects.toMatchObject({ code: ErrorCode.BAD_REQUEST });
      await bus.publish(user); // a marker: what was refused would have arrived before it
      await until(() => got.length === 1);
      expect(got).toEqual([user]);
    });

    it('delivers join and change hints to hint handlers only, and revocations to revocation handlers only', async () => {
      const listener = await fresh();
      const publisher = options.shared ? await fresh() : listener;
      const revoked: unknown[] = [];
      const hints: unknown[] = [];
      await listener.subscribe((e) => revoked.push(e)).ready;
      await listener.subscribeHints((e) => hints.push(e)).ready;
      await publisher.publish(joined);
      await publisher.publish(member);
      await publisher.publish({ ...joined, userId: 'u_hoa', extra: 'not part of an event' } as unknown as Joined);
      await publisher.publish(changed);
      await publisher.publish({ ...changed, userId: 'u_hoa' } as unknown as Changed);
      await until(() => revoked.length === 1 && hints.length === 4);
      expect(hints).toEqual([joined, { ...joined, userId: 'u_hoa' }, changed, changed]);
      expect(revoked).toEqual([member]);
    });

    it('refuses a malformed hint with BAD_REQUEST and sends nothing', async () => {
      const bus = await fresh();
      const joins: ListHint[] = [];
      await bus.subscribeHints((e) => joins.push(e)).ready;
      const bad = [
        { kind: 'joined', userId: 'u' },
        { kind: 'joined', conversationId: 'g', userId: '' },
        { kind: 'joined', conversationId: 'c'.repeat(200), userId: 'u' },
        { kind: 'joined', conversationId: 'g', userId: 7 },
        { kind: 'changed' },
        { kind: 'changed', conversationId: '' },
        { kind: 'changed', conversationId: 'c'.repeat(200) },
        { kind: 'renamed', conversationId: 'g' },
      ];
      for (const e of bad) await expect(bus.publish(e as unknown as Joined)).rejects.toMatchObject({ code: ErrorCode.BAD_REQUEST });
      await bus.publish(joined); // a marker: what was refused would have arrived before it
      await until(() => joins.length === 1);
      expect(joins).toEqual([joined]);
    });

    it('stops a handler at unsubscribe and keeps delivering when another handler throws', async () => {
      const bus = await fresh();
      const gone: Array<Revocation | ListHint> = [];
      const kept: Array<Revocation | ListHint> = [];
      const sub = bus.subscribe((e) => gone.push(e));
      const joinSub = bus.subscribeHints((e) => gone.push(e));
      await bus.subscribe(() => {
        throw new Error('handler bug');
      }).ready;
      await bus.subscribeHints(() => {
        throw new Error('handler bug');
      }).ready;
      await bus.subscribe((e) => kept.push(e)).ready;
      await bus.subscribeHints((e) => kept.push(e)).ready;
      await sub.ready;
      await joinSub.ready;
      sub.unsubscribe();
      sub.unsubscribe(); // idempotent
      joinSub.unsubscribe();
      await bus.publish(device);
      await bus.publish(joined);
      await until(() => kept.length === 2);
      expect(gone).toEqual([]);
    });

    it('accepts a publish nobody listens to, and refuses to publish once closed', async () => {
      const bus = await fresh();
      await expect(bus.publish(member)).resolves.toBeUndefined();
      await expect(bus.publish(joined)).resolves.toBeUndefined();
      const stop = bus.onGap(() => {});
      stop();
      await bus.close();
      await bus.close(); // idempotent
      await expect(bus.publish(member)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
      await expect(bus.publish(joined)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    });
  });
}
