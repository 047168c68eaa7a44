// How a scenario's conversations come to exist. A set-up takes the registered users and returns
// conversations open on every member; the traffic and the checks work on any set-up, so a group
// scenario is another ConversationSetUp beside directConversations.
import type { Conversation } from '@mekong/client-core';
import type { ClusterUser } from './clients';
import { waitFor } from './processes';
import type { Random } from './random';

/** A conversation of the scenario with the view each member has open on it. */
export interface ClusterConversation {
  readonly id: string;
  /** Short name used in message texts and reports. */
  readonly label: string;
  readonly members: ClusterUser[];
  /** Each member's open view, by username. */
  readonly views: Map<string, Conversation>;
}

export type ConversationSetUp = (users: ClusterUser[], random: Random) => Promise<ClusterConversation[]>;

/**
 * Seeded pairs of user indexes, each user in at most `perUser` pairs, no pair twice, and only
 * pairs that `apart` allows (by default: any two distinct users).
 */
export function pairUp(count: number, perUser: number, random: Random, apart: (a: number, b: number) => boolean = () => true): Array<[number, number]> {
  const candidates: Array<[number, number]> = [];
  for (let a = 0; a < count; a++) for (let b = a + 1; b < count; b++) if (apart(a, b)) candidates.push([a, b]);
  const degree = new Array<number>(count).fill(0);
  const pairs: Array<[number, number]> = [];
  for (const [a, b] of random.shuffle(candidates)) {
    if (degree[a]! >= perUser || degree[b]! >= perUser) continue;
    degree[a]!++;
    degree[b]!++;
    pairs.push([a, b]);
  }
  return pairs;
}

/** Waits until `user` has heard of conversation `id` from the API, then opens it. */
async function joinWhenListed(user: ClusterUser, id: string, timeoutMs: number): Promise<Conversation> {
  await waitFor(async () => (await user.client.conversations()).some((c) => c.id === id), timeoutMs, `${user.username} to see conversation ${id}`);
  return user.client.open(id);
}

export interface DirectOptions {
  /** 1-1 conversations per user (at most); 2 by default. */
  perUser?: number;
  /** Which two users may talk; by default only users on different relays, so every message crosses relays. */
  apart?: (a: ClusterUser, b: ClusterUser) => boolean;
}

/**
 * 1-1 conversations between seeded pairs of users.
 * @example const convs = await directConversations({ perUser: 2 })(users, random);
 */
export function directConversations(opts: DirectOptions = {}): ConversationSetUp {
  return async (users, random) => {
    const apart = opts.apart ?? ((a, b) => a.relay !== b.relay);
    const pairs = pairUp(users.length, opts.perUser ?? 2, random, (a, b) => apart(users[a]!, users[b]!));
    return Promise.all(
      pairs.map(async ([a, b], i) => {
        const [starter, peer] = [users[a]!, users[b]!];
        const mine = await starter.client.openDirect(peer.username);
        const theirs = await joinWhenListed(peer, mine.id, 20_000);
        return {
          id: mine.id,
          label: `d${i + 1}`,
          members: [starter, peer],
          views: new Map([
            [starter.username, mine],
            [peer.username, theirs],
          ]),
        };
      }),
    );
  };
}

export interface GroupOptions {
  /** How many groups; 2 by default. */
  count?: number;
  /** Members per group, the creator included; 4 by default. Members are picked to span every relay. */
  size?: number;
}

/**
 * Groups whose members sit on different relays, created through the client's group API (signed
 * membership log, keys sealed to the members' devices).
 * @example const convs = await groupConversations({ count: 2, size: 4 })(users, random);
 */
export function groupConversations(opts: GroupOptions = {}): ConversationSetUp {
  return async (users, random) => {
    const size = Math.min(opts.size ?? 4, users.length);
    const byRelay = new Map<number, ClusterUser[]>();
    for (const u of users) byRelay.set(u.relay, [...(byRelay.get(u.relay) ?? []), u]);
    const out: ClusterConversation[] = [];
    for (let g = 0; g < (opts.count ?? 2); g++) {
      // round-robin over the relays so a group spans all of them
      const pools = [...byRelay.values()].map((p) => random.shuffle(p));
      const members: ClusterUser[] = [];
      for (let i = 0; members.length < size; i++) {
        const pool = pools[i % pools.length]!;
        const next = pool.find((u) => !members.includes(u));
        if (next) members.push(next);
        if (i > size * pools.length) break;
      }
      const [owner, ...rest] = members;
      const info = await owner!.client.createGroup({ name: `cluster group ${g + 1}`, members: rest.map((m) => m.username) });
      const views = new Map<string, Conversation>([[owner!.username, await owner!.client.open(info.id)]]);
      for (const m of rest) views.set(m.username, await joinWhenListed(m, info.id, 20_000));
      out.push({ id: info.id, label: `g${g + 1}`, members, views });
    }
    return out;
  };
}

/** Several set-ups side by side (e.g. 1-1 conversations and groups). */
export function allOf(...setUps: ConversationSetUp[]): ConversationSetUp {
  return async (users, random) => (await Promise.all(setUps.map((s) => s(users, random)))).flat();
}
