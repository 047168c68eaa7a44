// Typing between member devices, on a hand-run relay and a fake clock: what a member sees, for how
// long, and what is refused (a non-member's signal, garbage, tampering, replays) without being shown.
import { encodeEphemeral, ErrorCode, isMekongError, MekongError, type Up } from '@mekong/schema';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UserProfile } from '../client/types';
import { type EpochKey, generateDeviceKeys, generateEpochKey, sealEnvelope } from '../crypto';
import { cryptoReady } from '../crypto/sodium';
import { type ConvMembers, provisionalMembers } from '../membership/tracker';
import { EphemeralChannel } from './channel';

await cryptoReady();

const CONV = 'g_nha-minh';
const profile = (id: string): UserProfile => ({ id, username: id, displayName: id[0]!.toUpperCase() + id.slice(1) });

type User = 'lan' | 'minh' | 'mallory';
/** The devices of these tests: lan (two) and minh are members; mallory was removed but kept the epoch key. */
const devices: Record<string, { user: User; keys: ReturnType<typeof generateDeviceKeys> }> = {
  d_lan: { user: 'lan', keys: generateDeviceKeys() },
  d_lan_tablet: { user: 'lan', keys: generateDeviceKeys() },
  d_minh: { user: 'minh', keys: generateDeviceKeys() },
  d_mallory: { user: 'mallory', keys: generateDeviceKeys() },
};

interface Party {
  channel: EphemeralChannel;
  sent: Array<Extract<Up, { type: 'ephemeral' }>>;
  problems: Error[];
}

let key: EpochKey;
let members: ConvMembers;

function party(user: User, device = `d_${user}`): Party {
  const sent: Party['sent'] = [];
  const problems: Error[] = [];
  const channel = new EphemeralChannel({
    userId: user,
    deviceId: device,
    signSecretKey: devices[device]!.keys.signSecretKey,
    members: (conv) => (conv === CONV ? members : undefined),
    // as DeviceDirectory.device: a verified device of one of the candidates, or UNKNOWN_DEVICE
    device: async (id, candidates) => {
      const d = devices[id];
      if (!d || !candidates.includes(d.user)) throw new MekongError(ErrorCode.UNKNOWN_DEVICE, 'A device that is not a verified device of a member sent data.');
      return { userId: d.user, signPublicKey: d.keys.signPublicKey };
    },
    epochKey: async () => key,
    profile: async (id) => profile(id),
    send: (f) => {
      if (f.type === 'ephemeral') sent.push(f);
      return true;
    },
    now: () => Date.now(),
    report: (e) => problems.push(e as Error),
  });
  return { channel, sent, problems };
}

/** Lets the promise chains of sealing and opening run. */
const settle = async () => {
  for (let i = 0; i < 30; i++) await Promise.resolve();
};
/** The relay: hands what `from` sent (from index `since`) to `to`. */
async function relay(from: Party, to: Party, since = 0): Promise<number> {
  await settle();
  for (const f of from.sent.slice(since)) to.channel.receive(f.conv, f.envelope);
  await settle();
  return from.sent.length;
}
async function advance(ms: number) {
  await vi.advanceTimersByTimeAsync(ms);
  await settle();
}

describe('typing', () => {
  let lan: Party;
  let minh: Party;
  let shown: string[][];

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    key = generateEpochKey();
    members = { ...provisionalMembers(['lan', 'minh']), epoch: 1 };
    lan = party('lan');
    minh = party('minh');
    shown = [];
    minh.channel.onTyping(CONV, (users) => shown.push(users.map((u) => u.displayName)));
  });
  afterEach(() => {
    lan.channel.close();
    minh.channel.close();
    vi.useRealTimers();
  });

  it('shows a member typing at once, sends at most one signal per 3 s, and "stopped" after 3 s without a keystroke', async () => {
    for (let i = 0; i < 10; i++) {
      lan.channel.typing(CONV, true);
      await advance(250); // ten keystrokes in 2.5 s
    }
    let seen = await relay(lan, minh);
    expect(lan.sent.length, 'one signal for a burst shorter than 3 s').toBe(1);
    expect(shown).toEqual([[], ['Lan']]);
    lan.channel.typing(CONV, true); // 2.5 s: still within 3 s of the first signal
    await advance(600);
    lan.channel.typing(CONV, true); // 3.1 s: a refresh goes out
    seen = await relay(lan, minh, seen);
    expect(lan.sent.length).toBe(2);
    await advance(3000); // no keystroke for 3 s: "stopped"
    await relay(lan, minh, seen);
    expect(lan.sent.length).toBe(3);
    expect(shown).toEqual([[], ['Lan'], []]);
    expect(minh.problems).toEqual([]);
  });

  it('drops a typing user 6 s after their last signal when no "stopped" arrives', async () => {
    lan.channel.typing(CONV, true);
    await relay(lan, minh);
    lan.sent.length = 0;
    lan.channel.close(); // lan's tab died: its "stopped" never reaches the relay
    await advance(5999);
    expect(shown).toEqual([[], ['Lan']]);
    await advance(1);
    expect(shown).toEqual([[], ['Lan'], []]);
  });

  it('keeps showing someone who keeps typing past 6 s', async () => {
    let seen = 0;
    for (let t = 0; t < 12_000; t += 500) {
      lan.channel.typing(CONV, true);
      seen = await relay(lan, minh, seen);
      await advance(500);
    }
    expect(shown).toEqual([[], ['Lan']]);
  });

  it('clears a user once their message arrives, and says "stopped" when the app says so', async () => {
    lan.channel.typing(CONV, true);
    const seen = await relay(lan, minh);
    minh.channel.messagesFrom(CONV, ['lan']);
    expect(shown).toEqual([[], ['Lan'], []]);
    lan.channel.typing(CONV, false);
    await relay(lan, minh, seen);
    expect(lan.sent.length).toBe(2);
    expect(shown).toEqual([[], ['Lan'], []]);
  });

  it('refuses the signal of someone who holds the key but is not a current member, and reports it', async () => {
    const mallory = party('mallory');
    mallory.channel.typing(CONV, true); // she seals with the epoch key she kept
    await relay(mallory, minh);
    expect(mallory.sent.length, 'the envelope was made and delivered').toBe(1);
    expect(shown).toEqual([[]]);
    expect(minh.problems.map((e) => isMekongError(e) && e.code)).toEqual([ErrorCode.UNKNOWN_DEVICE]);
  });

  it('refuses garbage, tampered envelopes and undecodable payloads quietly, with a report each', async () => {
    minh.channel.receive(CONV, new Uint8Array([1, 2, 3]));
    lan.channel.typing(CONV, true);
    await settle();
    const good = lan.sent[0]!.envelope;
    const tampered = good.slice();
    tampered[tampered.length - 80] = (tampered[tampered.length - 80] ?? 0) ^ 1;
    minh.channel.receive(CONV, tampered);
    const header = { kind: 'ephemeral' as const, conv: CONV, epoch: 1, device: 'd_lan', counter: Date.now() + 5 };
    const lanKey = devices.d_lan!.keys.signSecretKey;
    const sealed = (payload: Uint8Array) => sealEnvelope({ ...header, counter: header.counter + payload.length }, payload, key, lanKey);
    minh.channel.receive(CONV, sealed(new TextEncoder().encode('{"v":9,"type":"typing","typing":true}')));
    minh.channel.receive(CONV, sealed(new Uint8Array(600).fill(0x20)));
    // an update envelope replayed as an ephemeral one
    minh.channel.receive(CONV, sealEnvelope({ ...header, kind: 'update' }, encodeEphemeral({ v: 1, type: 'typing', typing: true }), key, lanKey));
    await settle();
    expect(shown).toEqual([[]]);
    expect(minh.problems.map((e) => isMekongError(e) && e.code)).toEqual([
      ErrorCode.MALFORMED_ENVELOPE,
      ErrorCode.BAD_SIGNATURE,
      ErrorCode.MALFORMED_ENVELOPE,
      ErrorCode.PAYLOAD_TOO_LARGE,
      ErrorCode.WRONG_CONTEXT,
    ]);
  });

  it('ignores a replayed or late signal older than the last one applied', async () => {
    lan.channel.typing(CONV, true);
    await advance(10);
    lan.channel.typing(CONV, false);
    await relay(lan, minh);
    expect(shown).toEqual([[], ['Lan'], []]);
    minh.channel.receive(CONV, lan.sent[0]!.envelope); // the relay replays the first "typing"
    await settle();
    expect(shown).toEqual([[], ['Lan'], []]);
    expect(minh.problems).toEqual([]);
  });

  it('never shows this user to themselves, nor a conversation this device does not follow', async () => {
    const lanElsewhere = party('lan', 'd_lan_tablet');
    lan.channel.typing(CONV, true);
    const mine: string[][] = [];
    lanElsewhere.channel.onTyping(CONV, (u) => mine.push(u.map((x) => x.id)));
    await relay(lan, lanElsewhere);
    expect(mine).toEqual([[]]);
    expect(lanElsewhere.problems, 'the signal itself was good').toEqual([]);
    minh.channel.receive('g_other', lan.sent[0]!.envelope);
    await settle();
    expect(minh.problems).toEqual([]);
    lanElsewhere.channel.close();
  });
});
