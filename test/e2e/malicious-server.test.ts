// The server turns hostile. The test owns the server's database and the relay's log (the same
// SQLite file) and does what a compromised or coerced operator could: add members and devices
// behind the clients' backs, hand out keys it sealed itself, slip in membership changes signed by
// a member without the right, replay entries from another conversation, keep serving a removed
// member, and relabel envelopes. Clients derive membership from the signed log alone, so every
// attack must end with no plaintext for the attacker, nothing forged shown, and a flag raised.
import { join } from 'node:path';
import type { MekongClient } from '@mekong/client-core';
import {
  certifyDevice,
  type DeviceSecrets,
  encodeDeviceCertificate,
  generateDeviceKeys,
  generateEpochKey,
  generateIdentity,
  openEnvelope,
  readEnvelopeHeader,
  sealEnvelope,
  sealEpochKey,
  signEntry,
  signMessage,
  toBase64url,
} from '@mekong/client-core/testing';
import { canonicalMessage, type MembershipState, type Message } from '@mekong/schema';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { eventually, newClient, startTestServer, type TestServer } from '../helpers';

interface Internals {
  run: { secrets: DeviceSecrets; memberships: { get(conv: string): Promise<MembershipState | undefined> } } | null;
  opts: { storage: { range(prefix: string): Promise<Array<[string, Uint8Array]>>; get(key: string): Promise<Uint8Array | undefined> } };
}
const inside = (c: MekongClient) => c as unknown as Internals;

let server: TestServer;
let db: Database.Database;
const clients: Record<string, MekongClient> = {};
const problems: Record<string, Error[]> = {};
const ids: Record<string, string> = {};

const PASSWORDS = (name: string) => `${name} password 1`;

async function client(name: string, fresh = false): Promise<MekongClient> {
  const c = await newClient(server, fresh ? `${name}-2` : name);
  problems[name] = problems[name] ?? [];
  c.onProblem((e) => problems[name]!.push(e));
  return c;
}

const secrets = (name: string) => inside(clients[name]!).run!.secrets;
const devicesOf = (userId: string) => (db.prepare('SELECT id FROM devices WHERE user_id = ?').all(userId) as Array<{ id: string }>).map((d) => d.id);
const envelopesFor = (conv: string, devices: string[]) =>
  devices.length === 0
    ? 0
    : (db.prepare(`SELECT count(*) AS n FROM key_envelopes WHERE conversation_id = ? AND recipient_device IN (${devices.map(() => '?').join(',')})`).get(conv, ...devices) as { n: number }).n;

async function epochKeys(name: string, conv: string): Promise<Map<number, Uint8Array>> {
  const rows = await inside(clients[name]!).opts.storage.range(`epoch/${conv}/`);
  return new Map(rows.map(([k, v]) => [Number(k.slice(k.lastIndexOf('/') + 1)), v]));
}

async function texts(name: string, conv: string): Promise<string[]> {
  const chat = await clients[name]!.open(conv);
  const out = chat.messages().map((m) => m.text);
  chat.close();
  return out;
}

async function follows(name: string, conv: string): Promise<boolean> {
  return (await clients[name]!.conversations()).some((s) => s.id === conv);
}

async function groupWith(owner: string, name: string, members: string[]): Promise<string> {
  const g = await clients[owner]!.createGroup({ name, members });
  for (const m of members) await eventually(() => follows(m, g.id), 20_000, `${m} to follow ${name}`);
  return g.id;
}

/** What the server does to slip an entry into a log without its own checks. */
function forceLogEntry(conv: string, entry: { index: number }, addMember?: string): void {
  db.prepare('INSERT INTO membership_log (conversation_id, idx, entry, hash, created_at) VALUES (?, ?, ?, ?, ?)').run(conv, entry.index, JSON.stringify(entry), 'forged', Date.now());
  db.prepare('UPDATE membership_heads SET length = length + 1, head = ? WHERE conversation_id = ?').run('forged', conv);
  if (addMember) db.prepare('INSERT OR IGNORE INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)').run(conv, addMember, 'member', Date.now());
}

/** What the relay does to deliver an envelope of its choosing at the next sequence number. */
function forceRelayEnvelope(conv: string, envelope: Uint8Array): number {
  const head = Number((db.prepare('SELECT head FROM relay_heads WHERE conv = ?').get(conv) as { head: number | bigint }).head);
  const seq = head + 1;
  db.prepare('INSERT INTO relay_log (conv, seq, device, counter, envelope, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(conv, seq, 'relay', 9_000_000 + seq, Buffer.from(envelope), Date.now());
  db.prepare('UPDATE relay_heads SET head = ? WHERE conv = ?').run(seq, conv);
  return seq;
}

beforeAll(async () => {
  server = await startTestServer();
  for (const name of ['lan', 'minh', 'hoa', 'eve']) {
    clients[name] = await client(name);
    const s = await clients[name]!.register({ username: name, password: PASSWORDS(name), displayName: name.toUpperCase() });
    ids[name] = s.userId;
  }
  db = new Database(join(server.dir, 'data', 'mekong.db'));
  db.pragma('busy_timeout = 5000');
}, 60_000);

afterAll(async () => {
  db?.close();
  for (const c of Object.values(clients)) await c.close();
  await server?.stop();
});

describe('a malicious server', () => {
  it('adds a member on its own: the member gets no key, cannot follow, and the clients flag it', async () => {
    const g = await groupWith('lan', 'server adds a member', ['minh']);
    await (await clients.lan!.open(g)).send('before eve');
    db.prepare('INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)').run(g, ids.eve, 'member', Date.now());

    await eventually(async () => (await clients.lan!.conversations()).find((s) => s.id === g)?.unverifiedMembers?.includes(ids.eve!) ?? false, 20_000, 'lan flags eve');
    await eventually(async () => (await clients.minh!.conversations()).find((s) => s.id === g)?.unverifiedMembers?.includes(ids.eve!) ?? false, 20_000, 'minh flags eve');
    expect(problems.lan!.some((p) => /membership log does not name/.test(p.message))).toBe(true);
    // the group's own view, from the log, does not include her
    expect((await clients.lan!.group(g)).members.map((m) => m.id)).not.toContain(ids.eve);

    // new keys go to log members only, even though the server lists eve
    const epoch = await clients.lan!.rotateKeys(g);
    await (await clients.lan!.open(g)).send('after eve was slipped in');
    await eventually(async () => (await texts('minh', g)).includes('after eve was slipped in'), 20_000, 'minh reads on');
    expect(envelopesFor(g, devicesOf(ids.eve!))).toBe(0);
    expect(await follows('eve', g)).toBe(false);
    expect((await epochKeys('eve', g)).size).toBe(0);
    expect(epoch).toBe(2);
  });

  it('adds a device for a member: it gets no key and is flagged', async () => {
    const g = await groupWith('lan', 'server adds a device', ['minh']);
    const attacker = generateIdentity();
    const dev = generateDeviceKeys();
    const fakeId = 'server-made-device';
    const cert = certifyDevice(attacker, { userId: ids.minh!, deviceId: fakeId, signPublicKey: dev.signPublicKey, boxPublicKey: dev.boxPublicKey, issuedAt: Date.now() });
    db.prepare('INSERT INTO devices (id, user_id, sign_key, box_key, certificate, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      fakeId,
      ids.minh,
      toBase64url(dev.signPublicKey),
      toBase64url(dev.boxPublicKey),
      toBase64url(encodeDeviceCertificate(cert)),
      'totally minh',
      Date.now(),
    );
    await clients.lan!.rotateKeys(g);
    expect(envelopesFor(g, [fakeId])).toBe(0);
    expect(problems.lan!.some((p) => (p as { code?: string }).code === 'BAD_CERTIFICATE' && /never certified/.test(p.message))).toBe(true);
    // and the real devices still got the new key
    await eventually(async () => (await epochKeys('minh', g)).has(2), 20_000, 'minh gets epoch 2');
    db.prepare('DELETE FROM devices WHERE id = ?').run(fakeId);
  });

  it('hands out a key it sealed itself: the client refuses it and shows nothing sealed with it', async () => {
    const g = await groupWith('lan', 'server-sealed key', ['minh']);
    await (await clients.lan!.open(g)).send('real message, epoch 1');
    await eventually(async () => (await texts('minh', g)).includes('real message, epoch 1'), 20_000, 'minh reads epoch 1');
    await clients.minh!.close(); // minh is away while the server sets its trap
    const epoch = await clients.lan!.rotateKeys(g);
    const minhDevices = devicesOf(ids.minh!);
    const lanDevice = secrets('lan').deviceId;
    const serverKey = generateEpochKey();
    const forgerSigning = generateDeviceKeys();
    const minhBox = db.prepare('SELECT id, box_key FROM devices WHERE user_id = ?').all(ids.minh) as Array<{ id: string; box_key: string }>;
    db.prepare('DELETE FROM key_envelopes WHERE conversation_id = ? AND epoch = ? AND recipient_device IN (' + minhDevices.map(() => '?').join(',') + ')').run(g, epoch, ...minhDevices);
    for (const d of minhBox) {
      // claims to come from lan's device, but is signed with a key the server made
      const sealed = sealEpochKey({
        conv: g,
        epoch,
        key: serverKey,
        recipientDevice: d.id,
        recipientBoxPublicKey: Buffer.from(d.box_key, 'base64url') as unknown as Parameters<typeof sealEpochKey>[0]['recipientBoxPublicKey'],
        senderDevice: lanDevice,
        senderSignSecretKey: forgerSigning.signSecretKey,
      });
      db.prepare('INSERT INTO key_envelopes (id, conversation_id, epoch, recipient_device, sender_device, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        `forged-${d.id}`,
        g,
        epoch,
        d.id,
        lanDevice,
        toBase64url(sealed),
        Date.now(),
      );
    }
    // a message sealed under the server's key, claiming to be from lan's device
    const forged = sealEnvelope({ kind: 'update', conv: g, epoch, device: lanDevice, counter: 77 }, new Uint8Array([0, 0]), serverKey, forgerSigning.signSecretKey);
    forceRelayEnvelope(g, forged);

    clients.minh = await client('minh');
    await eventually(() => problems.minh!.some((p) => /Refused a conversation key/.test(p.message)), 20_000, 'minh refuses the forged key');
    const held = await epochKeys('minh', g);
    for (const key of held.values()) expect(Buffer.from(key).equals(Buffer.from(serverKey))).toBe(false);
    expect(await texts('minh', g)).toEqual(['real message, epoch 1']);
  });

  it('slips in a membership change signed by a member who may not make it: refused', async () => {
    const g = await groupWith('lan', 'non-admin add', ['minh']);
    const state = (await inside(clients.minh!).run!.memberships.get(g))!;
    const entry = signEntry(secrets('minh'), state, g, { op: 'add', member: { user: ids.eve!, identityKey: toBase64url(secrets('eve').identity.publicKey), role: 'member' } }, Date.now());
    forceLogEntry(g, entry, ids.eve);
    await eventually(() => problems.lan!.some((p) => /did not verify: membership change refused: only admins/.test(p.message)), 20_000, 'lan refuses the entry');
    expect((await clients.lan!.group(g).catch(async () => clients.lan!.groups().then((gs) => gs.find((x) => x.id === g)!))).members.map((m) => m.id)).not.toContain(ids.eve);
    await eventually(async () => (await clients.lan!.conversations()).find((s) => s.id === g)?.unverifiedMembers?.includes(ids.eve!) ?? false, 20_000, 'eve flagged');
    expect(await follows('eve', g)).toBe(false);
  });

  it('replays a valid entry from another conversation: refused', async () => {
    const a = await groupWith('lan', 'source of the replay', ['minh']);
    const b = await groupWith('lan', 'target of the replay', ['minh']);
    await clients.lan!.addMember(a, 'eve');
    const logA = db.prepare('SELECT entry FROM membership_log WHERE conversation_id = ? ORDER BY idx').all(a) as Array<{ entry: string }>;
    const addEve = JSON.parse(logA.at(-1)!.entry) as { index: number; change: { op: string } };
    expect(addEve.change.op).toBe('add');
    const lengthB = (db.prepare('SELECT length FROM membership_heads WHERE conversation_id = ?').get(b) as { length: number }).length;
    forceLogEntry(b, { ...addEve, index: lengthB }, ids.eve);
    await eventually(() => problems.minh!.some((p) => /did not verify: entry belongs to another conversation/.test(p.message)), 20_000, 'minh refuses the replay');
    const seen = (await clients.minh!.groups()).find((x) => x.id === b)!;
    expect(seen.members.map((m) => m.id)).not.toContain(ids.eve);
    expect(await follows('eve', b)).toBe(false);
  });

  it('keeps serving a removed member: they decrypt nothing sent after the removal', async () => {
    const g = await groupWith('lan', 'removal', ['minh', 'hoa']);
    await (await clients.lan!.open(g)).send('hoa may read this');
    await eventually(async () => (await texts('hoa', g)).includes('hoa may read this'), 20_000, 'hoa reads before removal');
    const headBefore = Number((db.prepare('SELECT head FROM relay_heads WHERE conv = ?').get(g) as { head: number }).head);
    await clients.lan!.removeMember(g, 'hoa');
    // the server puts hoa right back: she stays on the member list, the relay keeps serving her
    db.prepare('INSERT OR IGNORE INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)').run(g, ids.hoa, 'member', Date.now());
    db.prepare('INSERT OR IGNORE INTO membership_epochs (conversation_id, epoch, user_id) VALUES (?, ?, ?)').run(g, 2, ids.hoa);
    const secret = ['after removal 1', 'after removal 2', 'after removal 3'];
    const lanChat = await clients.lan!.open(g);
    for (const t of secret) await lanChat.send(t);
    await lanChat.synced();
    await eventually(async () => (await texts('minh', g)).includes('after removal 3'), 20_000, 'minh reads on');

    // every envelope after the removal, tried with every key hoa's device holds: none opens
    const after = db.prepare('SELECT envelope FROM relay_log WHERE conv = ? AND seq > ?').all(g, headBefore) as Array<{ envelope: Buffer }>;
    expect(after.length).toBeGreaterThanOrEqual(secret.length);
    const hoaKeys = await epochKeys('hoa', g);
    expect(hoaKeys.has(2)).toBe(false);
    let opened = 0;
    for (const { envelope } of after) {
      const env = new Uint8Array(envelope);
      if (readEnvelopeHeader(env).epoch < 2) continue; // the system notes lan sent before the removal
      for (const key of hoaKeys.values()) {
        try {
          openEnvelope(env, { kind: 'update', conv: g, signPublicKey: secrets('lan').device.signPublicKey, epochKey: key as never });
          opened++;
        } catch {
          /* expected */
        }
      }
    }
    expect(opened).toBe(0);
    expect(envelopesFor(g, devicesOf(ids.hoa!))).toBe(1); // the epoch-1 key she had, nothing newer
    const hoaSees = await texts('hoa', g).catch(() => [] as string[]);
    for (const t of secret) expect(hoaSees).not.toContain(t);
  });

  it('relabels an envelope as another kind: the signature no longer verifies and nothing is shown', async () => {
    const g = await groupWith('lan', 'relabel', ['minh']);
    await (await clients.lan!.open(g)).send('genuine');
    await eventually(async () => (await texts('minh', g)).includes('genuine'), 20_000, 'minh reads');
    const row = db.prepare('SELECT envelope FROM relay_log WHERE conv = ? ORDER BY seq DESC LIMIT 1').get(g) as { envelope: Buffer };
    for (const kindByte of [2, 3]) {
      const relabelled = new Uint8Array(row.envelope);
      expect(relabelled[1]).toBe(1); // an update
      relabelled[1] = kindByte; // now claims to be a snapshot / an ephemeral message
      forceRelayEnvelope(g, relabelled);
    }
    const before = problems.minh!.length;
    clients.minh!.reconnect();
    (clients.minh as unknown as { dropConnection(): void }).dropConnection();
    await eventually(() => problems.minh!.slice(before).filter((p) => ['BAD_SIGNATURE', 'WRONG_CONTEXT', 'MALFORMED_ENVELOPE', 'DECRYPT_FAILED'].includes((p as { code?: string }).code ?? '')).length >= 2, 20_000, 'both refused');
    expect(await texts('minh', g)).toEqual(['genuine']);
  });

  it('serves a snapshot in which a member forged a message in another member’s name: it is never shown', async () => {
    const g = await groupWith('lan', 'forged-snapshot', ['minh', 'eve']);
    await (await clients.lan!.open(g)).send('genuine');
    await eventually(async () => (await texts('minh', g)).includes('genuine'), 20_000, 'minh reads');
    // eve, a member, writes a snapshot holding a message in lan's name signed by her own device,
    // and one of her own; the relay serves it to minh as the latest snapshot when he catches up
    const eve = secrets('eve');
    const keys = await epochKeys('eve', g);
    const epoch = Math.max(...keys.keys());
    const sign = (m: Omit<Message, 'sig'>): Message => ({ ...m, sig: toBase64url(signMessage(eve.device.signSecretKey, canonicalMessage(g, m))) });
    const doc = new Y.Doc();
    const soon = Date.now() + 60_000;
    const forged = sign({ id: 'forged-in-lan-name', author: { user: ids.lan!, device: devicesOf(ids.lan!)[0]! }, kind: 'text', body: 'chuyển khoản cho eve', sentAt: soon + 1 });
    const honest = sign({ id: 'eve-own', author: { user: ids.eve!, device: eve.deviceId }, kind: 'text', body: 'eve nói', sentAt: soon });
    doc.getMap('messages').set(forged.id, forged);
    doc.getMap('messages').set(honest.id, honest);
    const head = Number((db.prepare('SELECT head FROM relay_heads WHERE conv = ?').get(g) as { head: number | bigint }).head);
    const snapshot = sealEnvelope({ kind: 'snapshot', conv: g, epoch, device: eve.deviceId, counter: head + 1 }, Y.encodeStateAsUpdate(doc), keys.get(epoch)! as never, eve.device.signSecretKey);
    const seq = forceRelayEnvelope(g, snapshot);
    db.prepare('INSERT OR REPLACE INTO relay_snapshots (conv, seq, device, envelope, created_at) VALUES (?, ?, ?, ?, ?)').run(g, seq, eve.deviceId, Buffer.from(snapshot), Date.now());
    const before = problems.minh!.length;
    // everything an open conversation shows while minh catches up, as it shows it
    const open = await clients.minh!.open(g);
    const seen = new Set<string>();
    open.subscribe((list) => {
      for (const m of list) seen.add(`${m.from.userId}:${m.text}`);
    });
    (clients.minh as unknown as { dropConnection(): void }).dropConnection();
    await eventually(async () => (await texts('minh', g)).includes('eve nói'), 20_000, 'minh applies the snapshot');
    await eventually(() => seen.has(`${ids.eve}:eve nói`), 20_000, 'the open conversation to show it');
    open.close();
    expect([...seen].some((line) => line.includes('chuyển khoản'))).toBe(false);
    expect(await texts('minh', g)).toEqual(['genuine', 'eve nói']);
    const summary = (await clients.minh!.conversations()).find((c) => c.id === g);
    expect(summary?.lastMessage).toMatchObject({ text: 'eve nói', from: { userId: ids.eve } });
    expect(problems.minh!.slice(before).map((p) => (p as { code?: string }).code)).toContain('BAD_SIGNATURE');
  });
});
