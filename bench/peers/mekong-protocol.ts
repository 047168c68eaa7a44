// Mekong as the load generator speaks it: real accounts with certified devices, one real group
// created by client-core (signed membership log, the directory the relay authorizes against), and
// raw relay sockets that authenticate with each member's access token and follow the group.
// Senders push envelopes sealed with sealEnvelope (XChaCha20-Poly1305 + Ed25519 by the sender's
// device key); sampled members check the signature and decrypt the envelopes they receive (one in CHECK_EVERY) before
// applying it. The epoch key is one the generator holds: the relay never sees keys, so its work is
// the same as with the group's own key.
import { join } from 'node:path';
import type { MekongClient } from '@mekong/client-core';
import { createNodeClient } from '@mekong/client-core/node';
import {
  cryptoReady,
  type DeviceKeyPair,
  generateEpochKey,
  openEnvelope,
  readEnvelopeHeader,
  sealEnvelope,
} from '@mekong/client-core/testing';
import { registerAccount } from '../accounts';
import { decodeDown, type Down, encodeUp, MAX_GROUP_MEMBERS, PROTOCOL_VERSION } from '@mekong/schema';
import type { Protocol } from './room';
import { RawSocket, type WireCounters } from './wire';

type DeviceKeys = DeviceKeyPair;
type EpochKey = ReturnType<typeof generateEpochKey>;

/** One account with one certified device and an access token bound to it. */
export interface MekongAccount {
  username: string;
  token: () => Promise<string>;
  device?: string;
  keys?: DeviceKeys;
}

export interface MekongSetUp {
  /** Base URL of the API (http://host:port). */
  api: string;
  /** Base URLs of the relays (http://host:port); member i uses relays[i % relays.length]. */
  relays: string[];
  /** Temp folder for the group owner's client. */
  dir: string;
  /** fetch for account i (to register from an address of its own where the API limits per address). */
  fetchFor?: (i: number) => typeof fetch;
  log?: (s: string) => void;
}

const UPDATE_TAG = 66; // UpdateFrame
const ERROR_TAG = 70; // ErrorFrame

/** Reads a varuint (7 bits a byte, low first) at `at`; returns the value and the next offset. */
function varUint(f: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 1;
  for (;;) {
    const b = f[at++]!;
    value += (b & 0x7f) * shift;
    if (b < 0x80) return [value, at];
    shift *= 128;
  }
}

/**
 * The envelope of an update frame (tag, conv as varstring, seq as varuint, envelope as varbytes),
 * read in place: the generator tells messages apart without the full decoder's checks, which the
 * sampled frames still get (updateOf).
 */
function envelopeOfUpdate(f: Uint8Array): Uint8Array {
  const [convLength, afterLength] = varUint(f, 1);
  const [, afterSeq] = varUint(f, afterLength + convLength);
  const [envelopeLength, at] = varUint(f, afterSeq);
  return f.subarray(at, at + envelopeLength);
}
/**
 * Sampled members check the signature and decrypt one update frame in this many (~400 µs each);
 * the rest are identified by their clear header. Checking all of them made the generator's single
 * core, not the relay, the bottleneck in small groups.
 */
const CHECK_EVERY = 64;

async function registerRaw(api: string, username: string, fetchImpl: typeof fetch): Promise<MekongAccount> {
  const a = await registerAccount(api, username, fetchImpl);
  return { username, token: async () => a.accessToken, device: a.deviceId, keys: a.keys };
}

/**
 * Registers accounts over raw HTTP and one owner on a real client, which creates a group of all of
 * them. The owner stays offline (it holds no device keys the generator could send with), except in
 * a group of 1,000, the most a group holds: there the owner is the last, non-sending member.
 */
export async function mekongGroup(setUp: MekongSetUp, members: number, tag: string): Promise<{ conv: string; accounts: MekongAccount[] }> {
  await cryptoReady();
  const t0 = performance.now();
  const plainFetch: typeof fetch = (input, init) => fetch(input, init);
  const fetchFor = setUp.fetchFor ?? (() => plainFetch);
  const ownerConnects = members >= MAX_GROUP_MEMBERS;
  const names = Array.from({ length: ownerConnects ? members - 1 : members }, (_, i) => `${tag}_${String(i).padStart(4, '0')}`);
  const accounts: MekongAccount[] = [];
  for (let i = 0; i < names.length; i += 32) {
    accounts.push(...(await Promise.all(names.slice(i, i + 32).map((u, j) => registerRaw(setUp.api, u, fetchFor(i + j))))));
  }
  const owner: MekongClient = await createNodeClient({
    server: setUp.api,
    relay: setUp.relays[0],
    home: join(setUp.dir, `${tag}-owner`),
    fetch: fetchFor(names.length),
    pollIntervalMs: 3_600_000,
  });
  try {
    await owner.register({ username: `${tag}_owner`, password: `owner of ${tag} 1`, displayName: 'Owner' });
    const group = await owner.createGroup({ name: `fan-out ${tag}`, members: names });
    const api = (owner as unknown as { api: { freshAccessToken(): Promise<string> } }).api;
    const token = await api.freshAccessToken();
    if (ownerConnects) accounts.push({ username: `${tag}_owner`, token: async () => token });
    setUp.log?.(`    mekong: ${members} accounts and a group in ${Math.round(performance.now() - t0)} ms`);
    return { conv: group.id, accounts };
  } finally {
    await owner.close();
  }
}

function waitDown(sock: RawSocket, accept: (d: Down) => boolean, what: string, timeoutMs = 30_000): Promise<Down> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
    sock.onFrame = (f) => {
      const d = decodeDown(f);
      if (d.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`relay refused while waiting for ${what}: ${d.code} ${d.message}`));
      } else if (accept(d)) {
        clearTimeout(timer);
        resolve(d);
      }
    };
  });
}

/** Error frames the senders received during the run (rate limits would show up here). */
export interface MekongProtocol extends Protocol {
  errors: Record<string, number>;
}

/**
 * The relay protocol for a group made by mekongGroup; senders must be accounts with device keys.
 * `framesPerSecond` is the relay's per-connection frame limit (its default, 300, unless the server
 * was started with a higher one): senders stay under it.
 */
export function mekongProtocol(relays: string[], conv: string, accounts: MekongAccount[], framesPerSecond = 300): MekongProtocol {
  const epochKey: EpochKey = generateEpochKey();
  const signKeys = new Map(accounts.filter((a) => a.device && a.keys).map((a) => [a.device!, a.keys!.signPublicKey]));
  const errors: Record<string, number> = {};
  const senderOf = new Map(accounts.flatMap((a, i) => (a.device ? [[a.device, i] as const] : [])));
  return {
    name: 'mekong',
    errors,
    maxFramesPerSecond: framesPerSecond,
    async connect(i: number, wire: WireCounters) {
      const sock = await RawSocket.open(`${relays[i % relays.length]!.replace(/^http/, 'ws')}/sync`, wire);
      const welcome = waitDown(sock, (d) => d.type === 'welcome', 'welcome');
      sock.send(encodeUp({ type: 'auth', protocol: PROTOCOL_VERSION, token: await accounts[i]!.token() }));
      await welcome;
      const synced = waitDown(sock, (d) => d.type === 'synced', 'synced');
      sock.send(encodeUp({ type: 'subscribe', conv, after: 0 }));
      await synced;
      return sock;
    },
    frame(sender, k, update) {
      const a = accounts[sender]!;
      if (!a.device || !a.keys) throw new Error(`member ${sender} has no device keys and cannot send`);
      const counter = k + 1;
      const envelope = sealEnvelope({ kind: 'update', conv, epoch: 1, device: a.device, counter }, update, epochKey, a.keys.signSecretKey);
      return encodeUp({ type: 'push', conv, counter, envelope });
    },
    isMessage: (f) => f[0] === UPDATE_TAG,
    // the envelope's clear header names the sending device and its counter (k + 1)
    checkEvery: CHECK_EVERY,
    isError: (f) => f[0] === ERROR_TAG,
    identify(f) {
      if (f[0] !== UPDATE_TAG) return undefined;
      const header = readEnvelopeHeader(envelopeOfUpdate(f));
      const sender = senderOf.get(header.device);
      return sender === undefined ? undefined : { sender, k: header.counter - 1 };
    },
    updateOf(f) {
      const d = decodeDown(f);
      if (d.type === 'error') errors[d.code] = (errors[d.code] ?? 0) + 1;
      if (d.type !== 'update') return undefined;
      const signPublicKey = signKeys.get(readEnvelopeHeader(d.envelope).device);
      if (!signPublicKey) throw new Error('envelope from an unknown device');
      return openEnvelope(d.envelope, { kind: 'update', conv, signPublicKey, epochKey }).plaintext;
    },
  };
}
