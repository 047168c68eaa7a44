// Users of a cluster run: one Node client each (SQLite in a temp folder), its HTTP calls going to
// the API process from a loopback address of its own and its /sync socket pinned to one relay.
import { request as httpRequest, Agent } from 'node:http';
import { join } from 'node:path';
import { isMekongError, type MekongClient } from '@mekong/client-core';
import { createNodeClient } from '@mekong/client-core/node';

/**
 * A fetch for the client's API calls that connects from `localAddress` (any 127.x.y.z works on
 * Linux without set-up), so each simulated person has an address of their own, as people on
 * different machines would, and per-address limits such as registrations per minute apply to each.
 */
export function loopbackFetch(localAddress: string): typeof fetch {
  // no keep-alive: a pooled socket that the server closes after its 5 s idle timeout, just as a
  // request goes out on it, would fail that request
  const agent = new Agent({ keepAlive: false });
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== 'string') throw new TypeError('loopbackFetch sends string bodies only');
    return new Promise<Response>((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: init?.method ?? 'GET', headers, localAddress, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 500;
            const out = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
            const empty = status === 204 || status === 304;
            resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: out }));
          });
        },
      );
      req.on('error', reject);
      req.end(typeof body === 'string' ? body : undefined);
    });
  }) as typeof fetch;
}

/** One simulated person with one device, pinned to one relay. */
export interface ClusterUser {
  readonly index: number;
  readonly username: string;
  /** Index of the relay its socket goes to. */
  readonly relay: number;
  readonly client: MekongClient;
  /** Problems the client reported (refused frames, rate limits, reconnects); kept for the report. */
  readonly problems: Error[];
}

export interface UsersOptions {
  apiUrl: string;
  relayUrls: string[];
  count: number;
  /** Where the clients keep their SQLite files. */
  dir: string;
  /** Which relay user `i` uses; by default i mod relays. */
  relayOf?: (index: number) => number;
  /** How often clients look for new conversations; 300 ms by default. */
  pollIntervalMs?: number;
}

/**
 * Registers `count` users (u01, u02, ...), each on its own client and loopback address.
 * @example const users = await registerUsers({ apiUrl: cluster.api.url, relayUrls: cluster.relays.map((r) => r.url), count: 12, dir });
 */
export async function registerUsers(opts: UsersOptions): Promise<ClusterUser[]> {
  const relayOf = opts.relayOf ?? ((i: number) => i % opts.relayUrls.length);
  return Promise.all(
    Array.from({ length: opts.count }, async (_, index) => {
      const username = `u${String(index + 1).padStart(2, '0')}`;
      const relay = relayOf(index);
      const client = await createNodeClient({
        server: opts.apiUrl,
        relay: opts.relayUrls[relay]!,
        home: join(opts.dir, username),
        pollIntervalMs: opts.pollIntervalMs ?? 300,
        fetch: loopbackFetch(`127.0.${Math.floor(index / 250)}.${(index % 250) + 2}`),
      });
      const problems: Error[] = [];
      client.onProblem((e) => problems.push(e));
      await client.register({ username, password: `password of ${username}`, displayName: `User ${index + 1}` });
      return { index, username, relay, client, problems };
    }),
  );
}

/** Problems by error code and the start of their message, for the report. */
export function problemCounts(users: ClusterUser[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const u of users) {
    for (const p of u.problems) {
      const key = `${isMekongError(p) ? p.code : 'untyped'} (${p.message.slice(0, 50)})`;
      out[key] = (out[key] ?? 0) + 1;
    }
  }
  return out;
}

/** Closes every client; errors of one do not stop the others. */
export async function closeUsers(users: ClusterUser[]): Promise<void> {
  await Promise.all(users.map((u) => u.client.close().catch(() => undefined)));
}
