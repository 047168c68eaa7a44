// The cluster of the cross-relay scenarios, in this process: an API process and two relay processes'
// worth of services on one throwaway PostgreSQL schema and one Redis.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgSchema, type PgSchema } from '@mekong/relay/testing';
import { type RunningMekong, startMekong } from '@mekong/sync-server';
import { FAST_HASH } from '../helpers';

/** The Redis the cluster shares; MEKONG_TEST_REDIS_URL overrides. */
export const REDIS_URL = process.env.MEKONG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Either service missing on purpose: the cluster scenarios are skipped, saying so in their name. */
export const SKIP_CLUSTER = process.env.MEKONG_SKIP_REDIS === '1' || process.env.MEKONG_SKIP_PG === '1';
/** Appended to a suite name when it is skipped. */
export const SKIP_CLUSTER_NOTE = SKIP_CLUSTER ? ' (skipped: MEKONG_SKIP_REDIS or MEKONG_SKIP_PG is 1)' : '';

export interface TwoRelayCluster {
  /** A temporary directory of the run's own (data, client homes); removed by stop(). */
  dir: string;
  schema: PgSchema;
  redisUrl: string;
  api: RunningMekong;
  /** Base URL of the API process, e.g. http://127.0.0.1:40123. */
  apiUrl: string;
  relays: [RunningMekong, RunningMekong];
  /** Stops the relays and the API, drops the schema and removes `dir`. */
  stop(): Promise<void>;
}

/**
 * Starts the API and two relays (roles `api` and `relay`) sharing a new schema mk_<name>_<random>,
 * Redis and a token secret.
 * @example
 * const cluster = await startTwoRelayCluster('presence');
 * const [relay1, relay2] = cluster.relays;
 */
export async function startTwoRelayCluster(name: string): Promise<TwoRelayCluster> {
  const dir = mkdtempSync(join(tmpdir(), `mekong-${name}-`));
  const started: RunningMekong[] = [];
  let schema: PgSchema | undefined;
  const stop = async () => {
    // relays first, so no socket is left talking to an API that is gone
    for (const m of started.slice().reverse()) await m.stop();
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    schema = await createPgSchema(`mk_${name}_`);
    const shared = {
      host: '127.0.0.1',
      dataDir: join(dir, 'data'),
      logLevel: 'silent',
      passwordHash: FAST_HASH,
      databaseUrl: schema.url,
      redisUrl: REDIS_URL,
      tokenSecret: randomBytes(32).toString('hex'),
    };
    // every process migrates at start; no other test drops a schema meanwhile
    await schema.migrating(async () => {
      for (const role of ['api', 'relay', 'relay'] as const) started.push(await startMekong({ port: 0, role, ...shared }));
    });
    const [api, relay1, relay2] = started as [RunningMekong, RunningMekong, RunningMekong];
    return { dir, schema, redisUrl: REDIS_URL, api, apiUrl: `http://127.0.0.1:${api.port}`, relays: [relay1, relay2], stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
