// What membership changes cost in a big group, measured from the acting client: wall time and
// bytes on the wire (HTTP bodies and headers as sent, WebSocket frames) to create a group of N,
// add one member and remove one. Other members are registered over raw HTTP (no password
// derivation on the client) so that setting up 1,000 accounts takes seconds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeClient, nodeTransport } from '@mekong/client-core/node';
import { cryptoReady } from '@mekong/client-core/testing';
import { startMekong } from '@mekong/sync-server';
import { registerAccount } from './accounts';

export interface GroupCostResult {
  members: number;
  createMs: number;
  createBytes: number;
  addMs: number;
  addBytes: number;
  addRequests: number;
  removeMs: number;
  removeBytes: number;
  removeRequests: number;
}

const FAST_HASH = { opslimit: 1, memlimit: 8192 };

export async function groupCostBench(quick: boolean, log: (s: string) => void = () => {}): Promise<GroupCostResult> {
  await cryptoReady();
  const n = quick ? 50 : 1000;
  const dir = mkdtempSync(join(tmpdir(), 'mekong-groupcost-'));
  const open = { take: async () => ({ allowed: true as const }) };
  const server = await startMekong({
    port: 0,
    host: '127.0.0.1',
    dataDir: join(dir, 'data'),
    passwordHash: FAST_HASH,
    logLevel: 'silent',
    rateLimits: { registerPerIp: open, loginPerIp: open, loginPerUsername: open },
  });
  const base = `http://127.0.0.1:${server.port}`;
  try {
    log(`  registering ${n} accounts …`);
    const names = Array.from({ length: n + 1 }, (_, i) => `gc_${String(i).padStart(4, '0')}`);
    for (let i = 1; i < names.length; i += 16) await Promise.all(names.slice(i, i + 16).map((u) => registerAccount(base, u)));

    const wire = { bytes: 0, requests: 0 };
    const counted: typeof fetch = async (input, init) => {
      wire.requests++;
      const url = String(input);
      wire.bytes += url.length + 200 + (typeof init?.body === 'string' ? Buffer.byteLength(init.body) : 0); // request line + typical headers + body
      const res = await fetch(input, init);
      const body = await res.arrayBuffer();
      wire.bytes += 150 + body.byteLength;
      return new Response(res.status === 204 ? null : body, { status: res.status, headers: res.headers });
    };
    const inner = nodeTransport();
    const transport: typeof inner = (url, handlers) => {
      const conn = inner(url, {
        ...handlers,
        onMessage: (d) => {
          wire.bytes += d.byteLength;
          handlers.onMessage(d);
        },
      });
      return {
        send: (d) => {
          wire.bytes += d.byteLength;
          conn.send(d);
        },
        close: (c, r) => conn.close(c, r),
      };
    };
    const owner = await createNodeClient({ server: base, home: join(dir, 'owner'), fetch: counted, transport, pollIntervalMs: 3_600_000 });
    await owner.register({ username: names[0]!, password: 'owner password 1', displayName: 'Owner' });
    const members = names.slice(1, n); // n - 1 others plus the owner: a group of n
    const extra = names[n]!;

    const measure = async (fn: () => Promise<unknown>) => {
      const before = { ...wire };
      const t0 = performance.now();
      await fn();
      return { ms: performance.now() - t0, bytes: wire.bytes - before.bytes, requests: wire.requests - before.requests };
    };
    let groupId = '';
    const create = await measure(async () => {
      groupId = (await owner.createGroup({ name: 'big group', members })).id;
    });
    log(`  created a group of ${n}: ${create.ms.toFixed(0)} ms, ${(create.bytes / 1024).toFixed(0)} KiB, ${create.requests} requests`);
    const chat = await owner.open(groupId);
    await chat.send('hello everyone');
    await chat.synced(30_000);
    chat.close();
    // the group is full at 1,000: remove first, then add someone back in
    const remove = await measure(() => owner.removeMember(groupId, members[0]!));
    log(`  removed one: ${remove.ms.toFixed(0)} ms, ${(remove.bytes / 1024).toFixed(0)} KiB, ${remove.requests} requests`);
    const add = await measure(() => owner.addMember(groupId, extra));
    log(`  added one: ${add.ms.toFixed(0)} ms, ${(add.bytes / 1024).toFixed(0)} KiB, ${add.requests} requests`);
    await owner.close();
    return {
      members: n,
      createMs: create.ms,
      createBytes: create.bytes,
      addMs: add.ms,
      addBytes: add.bytes,
      addRequests: add.requests,
      removeMs: remove.ms,
      removeBytes: remove.bytes,
      removeRequests: remove.requests,
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('group-cost.ts')) {
  const r = await groupCostBench(process.argv.includes('--quick'), (s) => process.stdout.write(`${s}\n`));
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
