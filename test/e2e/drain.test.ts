// Rolling restart of a relay: relay A drains (as on SIGTERM) while its clients keep sending; a load
// balancer that follows /readyz moves them to relay B. PostgreSQL holds the log, Redis fans out.
// Every message must end up exactly once with every recipient, and the push A was appending when the
// drain began must be acknowledged before A closes the socket with 1012.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Conversation, MekongClient, MessageView, Transport } from '@mekong/client-core';
import { createNodeClient, nodeTransport } from '@mekong/client-core/node';
import { decodeDown } from '@mekong/schema';
import { type RunningMekong, startMekong } from '@mekong/sync-server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, FAST_HASH } from '../helpers';

const PG_URL = process.env.MEKONG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.MEKONG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SKIP = process.env.MEKONG_SKIP_PG === '1' || process.env.MEKONG_SKIP_REDIS === '1';
// the advisory lock the PostgreSQL test helpers take so that no schema is dropped while another migrates
const SCHEMA_LOCK = 7_164_121_905;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A PostgreSQL connection that runs `fn` while holding the schema lock (shared while migrating, exclusive to drop). */
async function withSchemaLock<T>(exclusive: boolean, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(exclusive ? 'select pg_advisory_lock($1)' : 'select pg_advisory_lock_shared($1)', [SCHEMA_LOCK]);
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * A TCP load balancer on loopback: each new connection goes to the first backend whose /readyz
 * answers 200, as a balancer with readiness checks would route it.
 */
async function startBalancer(backends: number[]): Promise<{ port: number; close(): Promise<void> }> {
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  };
  const ready = async (port: number) => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
    } catch {
      return false;
    }
  };
  const server: Server = createServer((client) => {
    track(client);
    client.pause();
    client.on('error', () => client.destroy());
    void (async () => {
      for (const port of backends) {
        if (client.destroyed) return;
        if (!(await ready(port))) continue;
        const upstream = connect(port, '127.0.0.1');
        track(upstream);
        upstream.on('error', () => client.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        return;
      }
      client.destroy(); // nothing is ready: the client retries with backoff
    })();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of open) s.destroy();
        server.close(() => ok());
      }),
  };
}

/** What one WebSocket of a client saw: down frames ('ack <conv> <seq>' for acks) and its close code. */
interface Dial {
  frames: string[];
  closeCode?: number;
}

/** The node transport, recording every connection it opens into `dials`. */
function recordingTransport(dials: Dial[]): Transport {
  const inner = nodeTransport();
  return (url, handlers) => {
    const dial: Dial = { frames: [] };
    dials.push(dial);
    return inner(url, {
      onOpen: () => handlers.onOpen(),
      onMessage: (data) => {
        try {
          const f = decodeDown(data);
          dial.frames.push(f.type === 'ack' ? `ack ${f.conv} ${f.seq}` : f.type);
        } catch {
          dial.frames.push('undecodable');
        }
        handlers.onMessage(data);
      },
      onClose: (code, reason) => {
        dial.closeCode = code;
        handlers.onClose(code, reason);
      },
    });
  };
}

/** The value of an unlabelled sample in a process's /metrics. */
async function gauge(m: RunningMekong, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${m.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** Every message of a conversation, as the user sees it after opening it and scrolling to the top. */
async function history(client: MekongClient, conversationId: string): Promise<MessageView[]> {
  const view = await client.open(conversationId);
  while (await view.loadOlder(500)) {
    /* keep scrolling */
  }
  const messages = view.messages();
  view.close();
  return messages;
}

describe.skipIf(SKIP)('relay drain behind a load balancer (PostgreSQL + Redis)', () => {
  const schema = `mk_drain_${randomBytes(5).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'mekong-drain-'));
  const dials: Record<'alice' | 'bob', Dial[]> = { alice: [], bob: [] };
  let a: RunningMekong;
  let b: RunningMekong;
  let balancer: Awaited<ReturnType<typeof startBalancer>>;
  const clients: MekongClient[] = [];

  beforeAll(async () => {
    const databaseUrl = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const shared = { host: '127.0.0.1', logLevel: 'silent', passwordHash: FAST_HASH, databaseUrl, redisUrl: REDIS, tokenSecret: randomBytes(32).toString('hex') };
    await withSchemaLock(false, async (c) => {
      await c.query(`create schema ${schema}`);
      // B serves the API and a relay; A is a relay process, the one that will be restarted
      b = await startMekong({ port: 0, role: 'all', dataDir: join(dir, 'b'), ...shared });
      a = await startMekong({ port: 0, role: 'relay', dataDir: join(dir, 'a'), drainTimeoutMs: 60_000, ...shared });
    });
    balancer = await startBalancer([a.port, b.port]);
  });

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await a?.stop();
    await b?.stop();
    await balancer?.close();
    await withSchemaLock(true, (c) => c.query(`drop schema if exists ${schema} cascade`)).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves clients to the other relay with every acknowledged message delivered exactly once', async () => {
    const api = `http://127.0.0.1:${b.port}`;
    const viaBalancer = `http://127.0.0.1:${balancer.port}`;
    const client = async (name: string, relay: string, transport?: Transport) => {
      const c = await createNodeClient({ server: api, relay, home: join(dir, name), pollIntervalMs: 200, ...(transport ? { transport } : {}) });
      clients.push(c);
      // a schema of its own, so the plain names are free
      await c.register({ username: name, password: `${name} password 123`, displayName: name });
      return c;
    };
    // alice and bob reach the relays through the balancer; carol is connected to B directly
    const alice = await client('alice', viaBalancer, recordingTransport(dials.alice));
    const bob = await client('bob', viaBalancer, recordingTransport(dials.bob));
    const carol = await client('carol', api);

    const aliceBob = await alice.openDirect('bob');
    const aliceCarol = await alice.openDirect('carol');
    await aliceBob.send('hello bob');
    await aliceCarol.send('hello carol');
    await eventually(async () => (await bob.conversations()).length === 1 && (await carol.conversations()).length === 1, 20_000, 'conversations');
    const bobAlice = await bob.open(aliceBob.id);
    const carolAlice = await carol.open(aliceCarol.id);
    await Promise.all([bobAlice.synced(), carolAlice.synced()]);
    await eventually(async () => (await gauge(a, 'mekong_relay_connections')) === 2, 20_000, 'alice and bob on relay A');
    expect(await gauge(b, 'mekong_relay_connections')).toBe(1);

    // everyone keeps sending until told to stop
    const sent = new Map<string, string[]>([
      [aliceBob.id, ['hello bob']],
      [aliceCarol.id, ['hello carol']],
    ]);
    let sending = true;
    const sender = async (chat: Conversation, label: string) => {
      for (let i = 0; sending; i++) {
        const text = `${label} ${i}`;
        await chat.send(text);
        sent.get(chat.id)!.push(text);
        await sleep(15);
      }
    };
    const senders = [sender(aliceBob, 'alice→bob'), sender(bobAlice, 'bob→alice'), sender(aliceCarol, 'alice→carol'), sender(carolAlice, 'carol→alice')];
    await eventually(() => sent.get(aliceBob.id)!.length > 20, 20_000, 'traffic');

    // hold the next append of alice↔bob inside PostgreSQL, so a push is in flight on A when it drains
    const holder = new pg.Client({ connectionString: PG_URL });
    await holder.connect();
    await holder.query('begin');
    const held = await holder.query(`select head::int as head from ${schema}.relay_heads where conv = $1 for update`, [aliceBob.id]);
    const inFlightSeq = held.rows[0].head + 1; // the seq the waiting append will get
    await eventually(async () => {
      const { rows } = await holder.query(
        `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%relay_heads%' and pid <> pg_backend_pid()`,
      );
      return rows[0].n > 0;
    }, 20_000, 'an append waiting for the held row');

    let drained = false;
    const stopping = a.stop().then(() => {
      drained = true;
    });
    // the balancer's readiness probe sees A go unready at once, and A takes no new socket
    const readyz = await fetch(`http://127.0.0.1:${a.port}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toEqual({ ok: false, draining: true });
    expect(await upgradeStatus(a.port)).toBe(503);
    expect(drained).toBe(false); // the append in flight holds the drain open

    await holder.query('commit');
    await holder.end();
    await stopping;

    // alice and bob are back, on B, and keep talking for a while there
    await eventually(async () => (await gauge(b, 'mekong_relay_connections')) === 3, 20_000, 'alice and bob on relay B');
    const mark = sent.get(aliceBob.id)!.length;
    await eventually(() => sent.get(aliceBob.id)!.length > mark + 20, 20_000, 'traffic after the move');
    sending = false;
    await Promise.all(senders);

    // the push A was appending got its ack from A, before A closed that socket with 1012
    const restarted = [...dials.alice, ...dials.bob].filter((d) => d.closeCode === 1012);
    expect(restarted).toHaveLength(2);
    expect(restarted.filter((d) => d.frames.includes(`ack ${aliceBob.id} ${inFlightSeq}`))).toHaveLength(1);

    // every message is acknowledged, and every member has each one exactly once, in the same order
    const members = new Map([
      [aliceBob.id, [alice, bob]],
      [aliceCarol.id, [alice, carol]],
    ]);
    for (const [conv, texts] of sent) {
      await eventually(
        async () => {
          for (const member of members.get(conv)!) {
            const got = await history(member, conv);
            if (got.some((m) => m.status !== 'sent')) return false;
            const counts = new Map<string, number>();
            for (const m of got) counts.set(m.text, (counts.get(m.text) ?? 0) + 1);
            if (texts.some((t) => counts.get(t) !== 1) || got.length !== texts.length) return false;
          }
          return true;
        },
        30_000,
        `every message of ${conv} once with every member`,
      );
      const [first, second] = members.get(conv)!;
      expect((await history(second!, conv)).map((m) => m.id)).toEqual((await history(first!, conv)).map((m) => m.id));
    }

    // the log has one entry per message and no hole
    const check = new pg.Client({ connectionString: PG_URL });
    await check.connect();
    try {
      for (const [conv, texts] of sent) {
        const { rows } = await check.query(`select count(*)::int as n, max(seq)::int as head from ${schema}.relay_log where conv = $1`, [conv]);
        expect(rows[0].n).toBe(rows[0].head);
        expect(rows[0].n).toBeGreaterThanOrEqual(texts.length);
      }
    } finally {
      await check.end();
    }
  });
});

/** The HTTP status a WebSocket upgrade on /sync gets. */
function upgradeStatus(port: number): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/sync',
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64') },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      ok(res.statusCode ?? 101);
    });
    req.on('response', (res) => {
      res.resume();
      ok(res.statusCode ?? 0);
    });
    req.on('error', fail);
    req.end();
  });
}

describe('SIGTERM on a relay process', () => {
  const root = resolve(__dirname, '../..');
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  /** `tsx sync-server/src/main.ts --role relay` on a free port; resolves with the process and its port. */
  async function spawnRelay(dataDir: string): Promise<{ child: ChildProcess; port: number; exited: Promise<number | null> }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/src/main.ts', '--role', 'relay'], {
      cwd: root,
      env: { ...process.env, PORT: '0', MEKONG_DATA_DIR: dataDir, LOG_LEVEL: 'info', MEKONG_DRAIN_TIMEOUT_MS: '5000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    const port = await new Promise<number>((ok, fail) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /"url":"http:\/\/localhost:(\d+)"/.exec(out);
        if (m) ok(Number(m[1]));
      });
      child.on('exit', (code) => fail(new Error(`relay exited with ${code} before it was running: ${out}`)));
    });
    return { child, port, exited };
  }

  /** Opens a raw WebSocket on /sync; resolves the close code of the first close frame the relay sends. */
  function openSocket(port: number): Promise<{ socket: Socket; closeCode: Promise<number> }> {
    return new Promise((ok, fail) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/sync',
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64') },
      });
      req.on('upgrade', (_res, socket) => {
        const closeCode = new Promise<number>((resolveCode) => {
          let buf = Buffer.alloc(0);
          socket.on('data', (chunk: Buffer) => {
            buf = Buffer.concat([buf, chunk]);
            if (buf.length >= 4 && (buf[0]! & 0x0f) === 0x8) resolveCode(buf.readUInt16BE(2));
          });
        });
        socket.on('error', () => {});
        ok({ socket, closeCode });
      });
      req.on('response', (res) => fail(new Error(`no upgrade: HTTP ${res.statusCode}`)));
      req.on('error', fail);
      req.end();
    });
  }

  it('drains: sockets get 1012, the process exits 0; a second signal during the drain exits at once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mekong-sigterm-'));
    try {
      const first = await spawnRelay(dataDir);
      const one = await openSocket(first.port);
      first.child.kill('SIGTERM');
      expect(await one.closeCode).toBe(1012);
      one.socket.end(); // answer nothing more; the relay is done with us
      expect(await first.exited).toBe(0);

      // this socket never answers the close frame, so the drain waits on it; SIGINT then ends the process
      const second = await spawnRelay(dataDir);
      const two = await openSocket(second.port);
      second.child.kill('SIGTERM');
      expect(await two.closeCode).toBe(1012);
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(130);
      two.socket.destroy();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
