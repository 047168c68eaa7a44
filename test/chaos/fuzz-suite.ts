// The input-fuzzing suite, sized by its caller: test/e2e/fuzz-slice.test.ts runs a small slice in
// `npm test`, fuzz.chaos.test.ts the full run. One real server in this process (SQLite, relay on
// /sync); users: `recorder` (whose real traffic seeds the HTTP bodies), `fuzzer` (whose token the
// HTTP fuzzer uses), `carol` (frame fuzzing on a raw socket) and `alice`/`bob` (poison updates).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Conversation, MekongClient } from '@mekong/client-core';
import { createNodeClient } from '@mekong/client-core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from '../helpers';
import { fuzzFrames, frameInputs, UP_TYPES } from './frame-fuzz';
import { discoverRoutes, type FuzzContext, httpInputs, judgeHttp, ROUTE_BODIES, recordingFetch, type RouteKey, sendHttp } from './http-fuzz';
import { classicPoisons, type Poison, randomPoisons } from './poison';

export interface FuzzSizes {
  /** Malformed inputs per HTTP route (half with a valid token). */
  httpPerRoute: number;
  /** Malformed frames per up-frame type, on an authenticated socket and again on a fresh one each. */
  framesPerType: number;
  /** Random poison updates besides the classic ones; `classicPoisons` false keeps only a few of those. */
  randomPoisons: number;
  allClassicPoisons: boolean;
  /** Printed with the results. */
  label: string;
  /** Where the figures of the run are written as JSON (the full run keeps them for bench/REPORT.md). */
  resultsFile?: string;
}

const SEED = Number(process.env.MEKONG_FUZZ_SEED ?? Date.now() % 1_000_000);
const accessToken = (c: MekongClient) => (c as unknown as { api: { freshAccessToken(): Promise<string> } }).api.freshAccessToken();

/** Routes that end the caller's own session go last, so every other route is fuzzed with a live token. */
const LAST = new Set<RouteKey>(['POST /api/users/logout', 'DELETE /api/users/me/devices/:id']);

export function defineFuzzSuite(sizes: FuzzSizes): void {
  const figures: Record<string, unknown> = { at: new Date().toISOString(), seed: SEED, label: sizes.label };
  /** Prints one suite's figures as a JSON line and keeps them for the results file. */
  const record = (summary: { suite: string } & Record<string, unknown>) => {
    console.log(JSON.stringify(summary));
    figures[summary.suite] = summary;
  };
  afterAll(() => {
    if (!sizes.resultsFile) return;
    mkdirSync(dirname(sizes.resultsFile), { recursive: true });
    writeFileSync(sizes.resultsFile, `${JSON.stringify(figures, null, 2)}\n`);
  });
  describe(`hostile input (${sizes.label}, seed ${SEED}; MEKONG_FUZZ_SEED repeats it)`, () => {
    let server: TestServer;
    const clients: MekongClient[] = [];
    let routes: RouteKey[] = [];
    const recorded = new Map<RouteKey, unknown>();
    let ctx: FuzzContext;
    let carol: MekongClient;
    let carolConv: string;

    const client = async (name: string, record = false): Promise<MekongClient> => {
      const c = await createNodeClient({
        server: server.url,
        home: join(server.dir, 'homes', name),
        pollIntervalMs: 300,
        ...(record ? { fetch: recordingFetch(fetch, routes, recorded) } : {}),
      });
      clients.push(c);
      await c.register({ username: name, password: `password of ${name}`, displayName: name });
      return c;
    };
    const healthy = async () => (await fetch(`${server.url}/healthz`)).status === 200;

    beforeAll(async () => {
      server = await startTestServer();
      routes = await discoverRoutes();
      const recorder = await client('recorder', true);
      const fuzzer = await client('fuzzer');
      carol = await client('carol');
      // real traffic of every kind the client makes: seeds for the mutations
      const direct = await recorder.openDirect('fuzzer');
      await direct.send('seed message');
      await direct.synced();
      const group = await recorder.createGroup({ name: 'fuzz group', members: ['fuzzer'] });
      carolConv = (await carol.openDirect('fuzzer')).id;
      ctx = {
        baseUrl: server.url,
        userId: fuzzer.session!.userId,
        username: 'fuzzer',
        deviceId: fuzzer.session!.deviceId ?? 'none',
        conversationId: direct.id,
        groupId: group.id,
        token: () => accessToken(fuzzer),
        recorded,
      };
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await server?.stop();
    });

    it('knows every route of the API: a route without an entry in the fuzzer fails here', () => {
      expect(routes.length).toBeGreaterThan(40);
      expect({ unfuzzed: routes.filter((r) => !(r in ROUTE_BODIES)), stale: Object.keys(ROUTE_BODIES).filter((r) => !routes.includes(r)) }).toEqual({ unfuzzed: [], stale: [] });
    });

    it('answers unknown API paths and methods with a typed 404, not plain text or the web app', async () => {
      for (const [method, path] of [
        ['PATCH', '/api/blocks/someone'],
        ['OPTIONS', '/api/users/login'],
        ['GET', '/api/no-such-thing'],
        ['POST', '/api/users/me/backup'],
        ['DELETE', '/api/blocks/..'],
      ] as const) {
        const answer = await sendHttp(server.url, { method, path, headers: {}, what: `${method} ${path}` });
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect(JSON.parse(answer.body.toString('utf8')).error.code, `${method} ${path}`).toBe('NOT_FOUND');
      }
    });

    it(`answers ${sizes.httpPerRoute} malformed requests per route with 4xx and a typed error, never a 5xx or a hang`, { timeout: 900_000 }, async () => {
      const order = [...routes.filter((r) => !LAST.has(r)), ...routes.filter((r) => LAST.has(r))];
      const failures: string[] = [];
      const counts: Record<string, number> = {};
      let sent = 0;
      for (const [i, route] of order.entries()) {
        const inputs = await httpInputs(route, ctx, sizes.httpPerRoute, SEED + i);
        expect(inputs.length, route).toBe(sizes.httpPerRoute);
        for (const input of inputs) {
          let problem: string | undefined;
          try {
            const answer = await sendHttp(server.url, input);
            counts[String(answer.status)] = (counts[String(answer.status)] ?? 0) + 1;
            problem = judgeHttp(input, answer);
          } catch (err) {
            problem = (err as Error).message;
          }
          sent++;
          if (problem) failures.push(`${route} [${input.auth ? 'token' : 'no token'}] ${input.what}: ${problem}`);
        }
        if (!(await healthy())) failures.push(`${route}: /healthz failed afterwards`);
      }
      record({ suite: 'fuzz-http', label: sizes.label, seed: SEED, routes: order.length, requests: sent, statuses: counts, failures: failures.length });
      expect(failures.slice(0, 30)).toEqual([]);
    });

    it(`answers ${sizes.framesPerType} malformed frames per up-frame type with typed error frames or a clean close, never a hang`, { timeout: 900_000 }, async () => {
      const url = `${server.url.replace('http', 'ws')}/sync`;
      const token = () => accessToken(carol);
      const failures: string[] = [];
      const totals = { inputs: 0, errorFrames: 0, closes: 0 };
      for (const [i, type] of UP_TYPES.entries()) {
        const inputs = frameInputs(type, { conv: carolConv, token: await token() }, sizes.framesPerType, SEED + i);
        expect(inputs.length, type).toBe(sizes.framesPerType);
        for (const authed of [true, false]) {
          const r = await fuzzFrames(url, token, inputs, authed);
          totals.inputs += r.inputs;
          totals.errorFrames += r.errorFrames;
          totals.closes += r.closes;
          failures.push(...r.failures.map((f) => `${type} (${authed ? 'authenticated' : 'before auth'}): ${f}`));
        }
        if (!(await healthy())) failures.push(`${type}: /healthz failed afterwards`);
      }
      record({ suite: 'fuzz-frames', label: sizes.label, seed: SEED, types: UP_TYPES.length, ...totals, failures: failures.length });
      expect(failures.slice(0, 30)).toEqual([]);
      // the relay still does its job for the same user
      const chat = await carol.open(carolConv);
      await chat.send('still here');
      await chat.synced();
      expect(chat.messages().map((m) => m.text)).toContain('still here');
    });

    it('a malicious member’s poison updates never hang a receiving client, which keeps working', { timeout: 900_000 }, async () => {
      const alice = await client('alice');
      const bob = await client('bob');
      const problems: Error[] = [];
      bob.onProblem((e) => problems.push(e));
      const chat = await alice.openDirect('bob');
      await eventually(async () => (await bob.conversations()).some((c) => c.id === chat.id), 20_000, 'bob to see the chat');
      const bobView = await bob.open(chat.id);
      const seen = (view: Conversation, text: string) => view.messages().some((m) => m.text === text);
      await chat.send('before the poison');
      await eventually(() => seen(bobView, 'before the poison'), 20_000, 'the first message');

      const classics = classicPoisons();
      const poisons: Poison[] = [...(sizes.allClassicPoisons ? classics : classics.filter((_, i) => i % 3 === 0)), ...randomPoisons(sizes.randomPoisons, SEED)];
      // the replica's own queue and outbox: sealed and sent exactly as alice's client sends her messages
      const replica = (alice as unknown as { run: { replicas: Map<string, { enqueue(fn: () => Promise<void>): Promise<void>; outbox: { push(u: Uint8Array, e: []): Promise<void> } }> } }).run.replicas.get(chat.id)!;
      const batches: Poison[][] = [];
      for (let i = 0; i < poisons.length; i += 8) batches.push(poisons.slice(i, i + 8));
      const slowest = { ms: 0, what: '' };
      for (const [k, batch] of batches.entries()) {
        // validly encrypted and signed by alice's real device key: only the plaintext is hostile
        for (const p of batch) await replica.enqueue(() => replica.outbox.push(p.update, []));
        const text = `after poison batch ${k + 1}`;
        const started = performance.now();
        await chat.send(text);
        await eventually(() => seen(bobView, text), 60_000, `bob to get "${text}" after ${batch.map((p) => p.what).join('; ')}`);
        const ms = performance.now() - started;
        if (ms > slowest.ms) Object.assign(slowest, { ms, what: batch.map((p) => p.what).join('; ') });
      }
      // bob still writes, and alice still reads
      const reply = await bob.open(chat.id);
      await reply.send('bob is fine');
      await eventually(() => seen(chat, 'bob is fine'), 20_000, 'alice to get bob’s reply');
      // and a restarted bob opens the conversation with everything readable in it
      await bob.close();
      const bob2 = await createNodeClient({ server: server.url, home: join(server.dir, 'homes', 'bob'), pollIntervalMs: 300 });
      clients.push(bob2);
      const reopened = await bob2.open(chat.id);
      const texts = reopened.messages().map((m) => m.text);
      for (let k = 1; k <= batches.length; k++) expect(texts).toContain(`after poison batch ${k}`);
      expect(texts.filter((t) => t === 'before the poison')).toHaveLength(1);
      const refused = problems.filter((p) => /UPDATE_REJECTED|not a valid document update|trailing bytes/.test(`${(p as { code?: string }).code} ${p.message}`)).length;
      record({ suite: 'fuzz-poison', label: sizes.label, seed: SEED, poisons: poisons.length, refused, problems: problems.length, slowestBatchMs: Math.round(slowest.ms), slowestBatch: slowest.what });
      expect(refused, 'the malformed updates were refused and reported').toBeGreaterThan(0);
    });
  });
}
