// A conversation of three members (alice, bob, mallory) on a tiny in-memory relay, for the sync
// tests: a push is logged, acknowledged and fanned out at once; a hostile member can write forged
// values by hand and push them as normal encrypted updates.
import { canonicalMessage, canonicalPin, canonicalReaction, ErrorCode, type Message, MekongError, type Pin, type Reaction, type Up } from '@mekong/schema';
import {
  cryptoReady,
  type DeviceKeyPair,
  type EpochKey,
  generateDeviceKeys,
  generateEpochKey,
  sealEnvelope,
  signMessage,
  signPin,
  signReaction,
  toBase64url,
} from '../crypto';
import * as Y from 'yjs';
import type { ConversationDoc } from '../doc/conversation-doc';
import type { DeviceDirectory } from '../keys/directory';
import type { KeyManager } from '../keys/manager';
import type { DeviceSecrets } from '../keys/secrets';
import type { ConvMembers } from '../membership/tracker';
import { createMemoryStorage, type StoragePort } from '../storage';
import { type MessageEntry, readEntries } from './entries';
import { Replica } from './replica';

export const CONV = 'conv-1';
export const USERS = ['alice', 'bob', 'mallory'] as const;
export type User = (typeof USERS)[number];

interface Party {
  replica: Replica;
  storage: StoragePort;
  device: DeviceKeyPair;
  problems: MekongError[];
  /** every entry the replica announced to the app (what views and notifications get) */
  announced: MessageEntry[];
}

export let epochKey: EpochKey;
const devices = new Map<User, DeviceKeyPair>();

/** Keys of every party; call once before the tests (`beforeAll(prepareParties)`). */
export async function prepareParties(): Promise<void> {
  await cryptoReady();
  epochKey = generateEpochKey();
  for (const u of USERS) devices.set(u, generateDeviceKeys());
}

let clock = 1_000;

/** Three members on one in-memory relay: a push is logged, acknowledged and fanned out at once. `owner` and `admins` may pin. */
export async function setup(opts: { admins?: User[]; owner?: User } = {}) {
  const members: ConvMembers = {
    current: [...USERS],
    epoch: 1,
    holders: () => [...USERS],
    ever: [...USERS],
    identityKey: () => undefined,
    role: (u) => (u === opts.owner ? 'owner' : opts.admins?.includes(u as User) ? 'admin' : (USERS as readonly string[]).includes(u) ? 'member' : undefined),
    kind: 'group',
  };
  const log: Uint8Array[] = [];
  const parties = new Map<User, Party>();
  const offline = new Set<User>();
  /** parties that get nothing fanned out (their device is away; they catch up from `log` later) */
  const deaf = new Set<User>();
  const fanOut = (from: User | null, env: Uint8Array) => {
    log.push(env);
    for (const [u, p] of parties) if (u !== from && !deaf.has(u)) p.replica.onUpdate(log.length, env);
    return log.length;
  };
  /** author and device key look-ups made (every signature check makes one) */
  const lookups = { count: 0 };
  const directory = {
    async device(deviceId: string, candidates: string[]) {
      lookups.count++;
      for (const [u, d] of devices) {
        if (`${u}-dev` === deviceId && candidates.includes(u)) return { deviceId, userId: u, signPublicKey: d.signPublicKey, boxPublicKey: d.boxPublicKey };
      }
      throw new MekongError(ErrorCode.UNKNOWN_DEVICE, 'unknown device');
    },
  } as unknown as DeviceDirectory;
  // epoch 2 exists (someone rotated) but this device has not received its key until `learn(2)`
  const epochs = new Map<number, EpochKey>([[1, epochKey]]);
  const later = new Map<number, EpochKey>([[2, generateEpochKey()]]);
  const keys = {
    current: async () => ({ epoch: 1, key: epochKey }),
    async epochKey(_conv: string, epoch: number) {
      const k = epochs.get(epoch);
      if (!k) throw new MekongError(ErrorCode.UNKNOWN_EPOCH, 'no key for that epoch yet');
      return k;
    },
  } as unknown as KeyManager;
  const learn = (epoch: number) => epochs.set(epoch, later.get(epoch)!);
  /** per user: let `pass` more look-ups through, then fail `fail` with UNAVAILABLE (the directory is unreachable) */
  const unreachable = new Map<User, { pass: number; fail: number }>();
  const directoryOf = (u: User) =>
    ({
      device(deviceId: string, candidates: string[]) {
        const f = unreachable.get(u);
        if (f && f.pass > 0) f.pass--;
        else if (f && f.fail > 0) {
          f.fail--;
          return Promise.reject(new MekongError(ErrorCode.UNAVAILABLE, 'the directory is unreachable'));
        }
        return directory.device(deviceId, candidates);
      },
    }) as unknown as DeviceDirectory;
  const open = async (u: User, storage: StoragePort, problems: MekongError[] = [], announced: MessageEntry[] = []): Promise<Party> => {
    const secrets = { userId: u, deviceId: `${u}-dev`, device: devices.get(u)! } as DeviceSecrets;
    let replica!: Replica;
    const send = (f: Up) => {
      if (offline.has(u)) return false;
      if (f.type !== 'push') return true;
      const seq = fanOut(u, f.envelope);
      replica.onAck(f.counter, seq);
      return true;
    };
    replica = await Replica.open({
      info: { id: CONV, kind: 'group', members: [...USERS] },
      members: () => members,
      storage,
      keys,
      directory: directoryOf(u),
      secrets,
      send,
      now: () => ++clock,
      onEntries: (_conv, entries) => announced.push(...entries),
      report: (e) => problems.push(e as MekongError),
    });
    return { replica, storage, device: devices.get(u)!, problems, announced };
  };
  for (const u of USERS) parties.set(u, await open(u, createMemoryStorage()));
  const p = (u: User) => parties.get(u)!;
  // work on one replica queues work on the others: wait until a whole round finds nothing new
  const idle = async () => {
    for (let i = 0; i < 4; i++) await Promise.all([...parties.values()].map((x) => x.replica.idle()));
  };
  /** what a user's device shows for the conversation */
  const shown = async (u: User) => p(u).replica.page(100);
  /** everything in a user's message index, unchecked entries included */
  const stored = async (u: User) => readEntries(p(u).storage, CONV, 1000);
  /** The user's device restarts: a new replica on the same storage (work queued before is done first). */
  const reopen = async (u: User) => {
    const before = p(u);
    await before.replica.idle();
    before.replica.close();
    parties.set(u, await open(u, before.storage, before.problems, before.announced));
  };
  /** A member writes a value under a message id by hand and pushes it as a normal encrypted update. */
  const inject = (as: User, value: Message) => write(as, (doc) => doc.putMessage(value));
  /** A member changes its document by hand (`fn` returns the update) and pushes that as a normal encrypted update. */
  const write = async (as: User, fn: (doc: ConversationDoc) => Uint8Array) => {
    const update = fn(await p(as).replica.ensureDoc());
    const counter = 10_000 + log.length;
    const env = sealEnvelope({ kind: 'update', conv: CONV, epoch: 1, device: `${as}-dev`, counter }, update, epochKey, p(as).device.signSecretKey);
    p(as).replica.onAck(counter, fanOut(as, env));
    await idle();
  };
  return { p, idle, shown, stored, inject, write, reopen, fanOut, offline, deaf, learn, later, log, lookups, unreachable };
}

export const signAs = (d: DeviceKeyPair, m: Omit<Message, 'sig'>): Message => ({ ...m, sig: toBase64url(signMessage(d.signSecretKey, canonicalMessage(CONV, m))) });

export function withoutSig(m: Message): Omit<Message, 'sig'> {
  const { sig: _sig, ...rest } = m;
  return rest;
}

/** A reaction value signed by device `d` (registered as `${device}`), in the name of `userId`. */
export function reactionAs(d: DeviceKeyPair, device: string, messageId: string, userId: string, emoji: string | null, at: number): Reaction {
  const unsigned = { emoji, at, device };
  return { ...unsigned, sig: toBase64url(signReaction(d.signSecretKey, canonicalReaction(CONV, messageId, userId, unsigned))) };
}

/** A pin value signed by device `d` (registered as `${device}`). */
export function pinAs(d: DeviceKeyPair, messageId: string, unsigned: Omit<Pin, 'sig'>): Pin {
  return { ...unsigned, sig: toBase64url(signPin(d.signSecretKey, canonicalPin(CONV, messageId, unsigned))) };
}

/** Delete a key of one of the document's maps by hand (what no honest client does); returns the update. */
export function rawDelete(doc: ConversationDoc, map: string, key: string): Uint8Array {
  const before = Y.encodeStateVector(doc.doc);
  doc.doc.getMap(map).delete(key);
  return Y.encodeStateAsUpdate(doc.doc, before);
}
