// A device learns at once that it was given a conversation, or that one it follows changed: the server
// announces the join or the change after the commit, the relay holding the person's socket sends a
// `joined` or `changed` hint, and the client re-reads its list. Every client here polls once an hour and none reconnects, so
// only the hint explains what they see. One process (in-process bus) and a cluster (an API process
// and two relays on PostgreSQL and Redis: the hint crosses Redis to the other relay).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ConversationSummary, MekongClient } from '@mekong/client-core';
import { createNodeClient } from '@mekong/client-core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from '../helpers';
import { SKIP_CLUSTER, SKIP_CLUSTER_NOTE, startTwoRelayCluster, type TwoRelayCluster } from './relay-cluster';

/** Far longer than any wait here: a conversation that shows up did not come from the poll. */
const HOUR = 3_600_000;
/** How long a hinted conversation may take to show up. */
const PROMPT_MS = 5_000;

interface Person {
  client: MekongClient;
  name: string;
  /** How many times the client came online: more than 1 means it reconnected (and re-read its list). */
  onlines: () => number;
}

const people: Person[] = [];

async function person(name: string, where: { server: string; relay?: string; home: string }): Promise<Person> {
  const client = await createNodeClient({ ...where, home: join(where.home, name), pollIntervalMs: HOUR });
  let onlines = 0;
  client.onStatus((s) => {
    if (s === 'online') onlines++;
  });
  await client.register({ username: name, password: `${name} password 123`, displayName: name });
  await eventually(() => client.status === 'online', 10_000, `${name} online`);
  const p = { client, name, onlines: () => onlines };
  people.push(p);
  return p;
}

/** Waits until `p` lists `conv`; answers the ms since `started` (a performance.now() taken before the action). */
async function sees(p: Person, conv: string, started: number): Promise<number> {
  await eventually(async () => (await p.client.conversations()).some((c) => c.id === conv), PROMPT_MS, `${p.name} to list ${conv}`);
  return performance.now() - started;
}

/** `from` sends in `conv`; waits until `to` has it. */
async function delivers(from: Person, to: Person, conv: string, text: string): Promise<void> {
  const out = await from.client.open(conv);
  await out.send(text);
  const inbox = await to.client.open(conv);
  await eventually(() => inbox.messages().some((m) => m.text === text), 10_000, `${to.name} to get "${text}"`);
  out.close();
  inbox.close();
}

afterAll(async () => {
  for (const p of people.splice(0)) await p.client.close().catch(() => {});
});

/** A one-process server for the tests of the enclosing describe; its people and the server close after them. */
function useOneProcess(): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    for (const p of people.splice(0)) await p.client.close().catch(() => {});
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('the server has not started');
    return server;
  };
}

describe('joined hints, one process', () => {
  const oneProcess = useOneProcess();

  it('shows a new group, a member added later and a new 1-1 conversation at once, and each carries messages', async () => {
    const where = { server: oneProcess().url, home: oneProcess().dir };
    const alice = await person('alice', where);
    const bob = await person('bob', where);
    const carol = await person('carol', where);

    let t = performance.now();
    const group = await alice.client.createGroup({ name: 'Nhóm bạn', members: ['bob'] });
    const groupMs = await sees(bob, group.id, t);
    await delivers(alice, bob, group.id, 'chào Bob');

    t = performance.now();
    await alice.client.addMember(group.id, 'carol');
    const addedMs = await sees(carol, group.id, t);
    await delivers(bob, carol, group.id, 'chào Carol');
    // bob follows the group: the change hint of the addition has made him re-read its log, so carol's
    // first words, from a device he had not seen, open at once
    t = performance.now();
    await delivers(carol, bob, group.id, 'em là Carol');
    const unknownSenderMs = performance.now() - t;
    // a removal starts a new key epoch elsewhere; its change hint makes bob fetch the log and key now
    t = performance.now();
    await alice.client.removeMember(group.id, 'carol');
    await delivers(alice, bob, group.id, 'khoá mới');
    const newEpochMs = performance.now() - t;

    t = performance.now();
    const direct = await bob.client.openDirect('carol');
    const directMs = await sees(carol, direct.id, t);
    await delivers(bob, carol, direct.id, 'riêng thôi');
    direct.close();

    // nobody reconnected, and the poll is an hour away: the hints did it
    for (const p of [alice, bob, carol]) expect(p.onlines(), `${p.name} reconnected`).toBe(1);
    console.log(
      `joined hint, one process: from the request, group seen after ${groupMs.toFixed(0)} ms, added member ${addedMs.toFixed(0)} ms, 1-1 ${directMs.toFixed(0)} ms; a new member's first message reached an existing member in ${unknownSenderMs.toFixed(0)} ms, the first under a new epoch ${newEpochMs.toFixed(0)} ms`,
    );
  });
});

describe('change hints, one process', () => {
  const oneProcess = useOneProcess();

  /** Waits until `p`'s list shows `check` true for `conv`; answers the ms since `started`. */
  async function shows(p: Person, conv: string, check: (c: ConversationSummary) => boolean, what: string, started: number): Promise<number> {
    await eventually(async () => (await p.client.conversations()).some((c) => c.id === conv && check(c)), PROMPT_MS, `${p.name} to see ${what}`);
    return performance.now() - started;
  }

  it('shows a rename, a role change and a member removed to the members at once, and an unblocked 1-1 carries messages again', async () => {
    const where = { server: oneProcess().url, home: oneProcess().dir };
    const minh = await person('minh', where);
    const lan = await person('lan', where);
    const hoa = await person('hoa', where);
    const group = await minh.client.createGroup({ name: 'Nhà mình', members: ['lan', 'hoa'] });
    await sees(lan, group.id, performance.now());
    await sees(hoa, group.id, performance.now());
    await delivers(minh, lan, group.id, 'chào cả nhà');

    let t = performance.now();
    await minh.client.updateGroup(group.id, { name: 'Nhà mình ở Cần Thơ' });
    const renameMs = await shows(lan, group.id, (c) => c.title === 'Nhà mình ở Cần Thơ', 'the new name', t);

    t = performance.now();
    await minh.client.setRole(group.id, 'lan', 'admin');
    const roleMs = await shows(lan, group.id, (c) => c.group?.members.find((m) => m.username === 'lan')?.role === 'admin', 'her new role', t);

    t = performance.now();
    await minh.client.removeMember(group.id, 'hoa');
    const removalMs = await shows(lan, group.id, (c) => c.group !== undefined && !c.group.members.some((m) => m.username === 'hoa'), 'hoa gone', t);

    // blocked, lan loses the 1-1 with hoa; unblocked, she has it back and it carries messages at once
    const direct = await hoa.client.openDirect('lan');
    await sees(lan, direct.id, performance.now());
    await delivers(hoa, lan, direct.id, 'trước khi chặn');
    await hoa.client.social.block('lan');
    t = performance.now();
    await hoa.client.social.unblock('lan');
    await delivers(lan, hoa, direct.id, 'lan lại nhắn được');
    await delivers(hoa, lan, direct.id, 'hoa cũng vậy');
    const unblockMs = performance.now() - t;
    direct.close();

    for (const p of [minh, lan, hoa]) expect(p.onlines(), `${p.name} reconnected`).toBe(1);
    console.log(
      `change hints, one process: from the request, rename seen after ${renameMs.toFixed(0)} ms, role ${roleMs.toFixed(0)} ms, removal ${removalMs.toFixed(0)} ms; unblocked 1-1 carried messages both ways after ${unblockMs.toFixed(0)} ms`,
    );
  });
});

describe.skipIf(SKIP_CLUSTER)(`join and change hints across relays (PostgreSQL + Redis)${SKIP_CLUSTER_NOTE}`, () => {
  let cluster: TwoRelayCluster;
  beforeAll(async () => {
    cluster = await startTwoRelayCluster('joined');
  }, 60_000);
  afterAll(async () => {
    for (const p of people.splice(0)) await p.client.close().catch(() => {});
    await cluster?.stop();
  });

  it('reaches bob on relay 2 through Redis when the API process records the group, and when it renames it', async () => {
    const [relay1, relay2] = cluster.relays;
    const tag = randomBytes(3).toString('hex');
    const at = (relay: { port: number }) => ({ server: cluster.apiUrl, relay: `http://127.0.0.1:${relay.port}`, home: cluster.dir });
    const alice = await person(`alice${tag}`, at(relay1));
    const bob = await person(`bob${tag}`, at(relay2));

    const t = performance.now();
    const group = await alice.client.createGroup({ name: 'Hai relay', members: [bob.name] });
    const ms = await sees(bob, group.id, t);
    await delivers(alice, bob, group.id, 'qua Redis');
    // bob follows it on relay 2: the change hint of a rename crosses Redis too
    const t2 = performance.now();
    await alice.client.updateGroup(group.id, { name: 'Hai relay, một nhóm' });
    await eventually(async () => (await bob.client.conversations()).some((c) => c.id === group.id && c.title === 'Hai relay, một nhóm'), PROMPT_MS, 'bob to see the new name');
    const renameMs = performance.now() - t2;
    for (const p of [alice, bob]) expect(p.onlines(), `${p.name} reconnected`).toBe(1);
    console.log(`hints across relays: from the request, group seen after ${ms.toFixed(0)} ms, rename after ${renameMs.toFixed(0)} ms`);
  });
});
