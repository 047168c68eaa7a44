// One relay wired to fakes, with a controllable clock, for the relay's own tests.
import { type Logger, pino } from 'pino';
import { createMemoryLogStore } from '../log';
import type { RelayLimits } from '../limits';
import type { FanoutBus, LogStore, RevocationBus } from '../ports';
import { createRelay, type Relay } from '../relay';
import { createFakeDirectory, createFakeTokens } from './fakes';
import { connectInMemory } from './memory-socket';
import { Peer } from './peer';

export const HOUR = 3_600_000;
export const bytes = (text: string) => new TextEncoder().encode(text);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);

export interface TestRelayOptions {
  log?: LogStore;
  bus?: FanoutBus;
  logger?: Logger;
  limits?: Partial<RelayLimits>;
  members?: Record<string, string[]>;
  revocations?: RevocationBus;
  /** Tokens carry session ids the verifier can check again (as the sync-server's does). */
  sessions?: boolean;
}

/** A relay over an in-memory log; users alice and bob are members of 'room'. Tokens are `${user}:${device}`. */
export function testRelay(options: TestRelayOptions = {}) {
  const clock = { t: 1_000_000 };
  const now = () => clock.t;
  const log = options.log ?? createMemoryLogStore();
  const tokens = createFakeTokens(now, { sessions: options.sessions ?? false });
  const directory = createFakeDirectory(options.members ?? { room: ['alice', 'bob'] });
  for (const user of ['alice', 'bob', 'carol']) {
    for (const device of ['d1', 'd2', 'd3']) tokens.tokens.set(`${user}:${device}`, { userId: user, deviceId: device, expiresAt: clock.t + HOUR });
  }
  const relay: Relay = createRelay({ log, directory, tokens, bus: options.bus, revocations: options.revocations, limits: options.limits, logger: options.logger ?? pino({ level: 'silent' }), now });
  let n = 0;
  const open = (name = `peer${++n}`) => new Peer(connectInMemory(relay), name);
  /** A peer that already got its welcome. */
  const connect = async (token: string, name = token) => {
    const peer = open(name);
    await peer.auth(token);
    return peer;
  };
  return { relay, log, tokens, directory, clock, open, connect };
}
