import { ErrorCode, PROTOCOL_VERSION } from '@mekong/schema';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createMemoryBus } from './bus';
import { createMemoryLogStore } from './log';
import type { FanoutBus } from './ports';
import { heldLog } from './test-support/held-log';
import { bytes, HOUR, testRelay } from './test-support/setup';

describe('relay: logs', () => {
  it('never contain envelopes or tokens, even when things fail', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const log = heldLog(createMemoryLogStore());
    const bus = createMemoryBus();
    let busDown = false;
    const flaky: FanoutBus = { ...bus, publish: (c, m) => (busDown ? Promise.reject(new Error('bus down')) : bus.publish(c, m)) };
    const t = testRelay({ log, bus: flaky, logger });
    const SECRET = 'TOKEN-SECRET-1234567890';
    const MARKER = 'ENVELOPE-MARKER-PLAINTEXT';
    t.tokens.tokens.set(SECRET, { userId: 'alice', deviceId: 'd1', expiresAt: t.clock.t + HOUR });

    const forged = t.open();
    forged.send({ type: 'auth', protocol: PROTOCOL_VERSION, token: 'FORGED-TOKEN-0987654321' });
    await forged.closed();

    const alice = await t.connect(SECRET);
    const bob = await t.connect('bob:d1');
    bob.send({ type: 'subscribe', conv: 'room', after: 0 });
    await bob.next('synced');
    // an adapter error that carries the request's bytes must not drag them into the log
    const failure = Object.assign(new Error('write failed'), { envelope: bytes(MARKER), token: SECRET });
    log.appends.failWith(failure);
    alice.send({ type: 'push', conv: 'room', counter: 1, envelope: bytes(MARKER) });
    expect((await alice.next('error')).code).toBe(ErrorCode.UNAVAILABLE);
    log.appends.failWith(undefined);
    busDown = true;
    alice.send({ type: 'push', conv: 'room', counter: 2, envelope: bytes(MARKER) });
    await alice.next('ack');
    t.directory.isMember = () => Promise.reject(Object.assign(new Error('directory down'), { token: SECRET }));
    alice.send({ type: 'push', conv: 'other', counter: 1, envelope: bytes(MARKER) });
    expect((await alice.next('error')).code).toBe(ErrorCode.INTERNAL);

    const text = lines.join('');
    expect(text).toContain('log append failed'); // the failures were logged...
    expect(text).toContain('fan-out publish failed');
    for (const secret of [SECRET, 'FORGED-TOKEN', MARKER, Buffer.from(MARKER).toString('base64'), Buffer.from(MARKER).toString('hex')]) {
      expect(text).not.toContain(secret); // ...without their payload
    }
    // nor byte arrays serialized as numbers (69,78,86 = "ENV")
    expect(text).not.toMatch(/69,\s*78,\s*86|"0":69,"1":78/);
  });
});
