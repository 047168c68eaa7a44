import { decodeUp, encodeDown, PROTOCOL_VERSION } from '@mekong/schema';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Transport, TransportHandlers } from '../transport/port';
import { RelayConnection } from './connection';

/** A transport whose connections the test opens, answers and closes by hand. */
function scriptedTransport() {
  const dials: Array<{ handlers: TransportHandlers; sent: Uint8Array[] }> = [];
  const transport: Transport = (_url, handlers) => {
    const dial = { handlers, sent: [] as Uint8Array[] };
    dials.push(dial);
    return { send: (data) => dial.sent.push(data), close: () => {} };
  };
  return { transport, dials };
}

/** Opens dial `i`, lets the client authenticate and welcomes it. */
async function welcome(dials: ReturnType<typeof scriptedTransport>['dials'], i: number) {
  const dial = dials[i]!;
  dial.handlers.onOpen();
  await vi.waitFor(() => expect(dial.sent.length).toBe(1));
  expect(decodeUp(dial.sent[0]!).type).toBe('auth');
  dial.handlers.onMessage(encodeDown({ type: 'welcome', protocol: PROTOCOL_VERSION, user: 'u', device: 'd', expiresAt: Date.now() + 3_600_000 }));
}

describe('RelayConnection reconnect after the relay closes', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const start = () => {
    const { transport, dials } = scriptedTransport();
    const statuses: string[] = [];
    const problems: string[] = [];
    const c = new RelayConnection({
      transport,
      url: 'ws://relay.invalid/sync',
      token: async () => 'token',
      onOnline() {},
      onFrame() {},
      onStatus: (s) => statuses.push(s),
      onProblem: (reason) => problems.push(reason),
      minBackoffMs: 250,
      random: () => 0.999, // the top of each jitter range
    });
    c.start();
    return { c, dials, statuses, problems };
  };

  it('comes back within the shortest backoff after 1012 service restart, without reporting a problem', async () => {
    const { c, dials, problems } = start();
    await welcome(dials, 0);
    expect(c.status).toBe('online');
    dials[0]!.handlers.onClose(1012, 'relay is restarting; reconnect');
    expect(c.status).toBe('offline');
    await vi.advanceTimersByTimeAsync(250);
    expect(dials).toHaveLength(2);
    await welcome(dials, 1);
    expect(c.status).toBe('online');
    expect(problems).toEqual([]);
    c.stop();
  });

  it('waits the longer backoff after a dropped connection', async () => {
    const { c, dials } = start();
    await welcome(dials, 0);
    dials[0]!.handlers.onClose(1006, 'connection lost');
    await vi.advanceTimersByTimeAsync(250);
    expect(dials).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(dials).toHaveLength(2);
    c.stop();
  });

  it('does not hurry back to a relay that answers 1012 before serving it (still draining)', async () => {
    const { c, dials } = start();
    dials[0]!.handlers.onOpen();
    dials[0]!.handlers.onClose(1012, 'relay is restarting; reconnect');
    await vi.advanceTimersByTimeAsync(250);
    expect(dials).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(dials).toHaveLength(2);
    c.stop();
  });
});
