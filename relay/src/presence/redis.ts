// Redis PresenceStore: shared by every relay and API process of a cluster.
//
// Keys (prefix 'mekong:presence:' by default):
//   <prefix>relays:<userId>  sorted set: member = relay id, score = when that relay's hold expires (ms);
//                            the key itself expires ttlMs after the last hold by any relay
//   <prefix>seen:<userId>    string: when a relay last saw the user connected (ms); expires after 30 days
// A user is online while some member's score is in the future. A relay that dies leaves its member
// behind until its score passes (and the key goes once no relay holds the user any more).
import { ErrorCode, MekongError } from '@mekong/schema';
import type { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import { connectionId, createRedisConnector, endRedis } from '../redis-connection';
import { describeError } from '../text';
import type { PresenceEntry, PresenceStore } from './port';

export interface RedisPresenceOptions {
  /** For example redis://127.0.0.1:6379. */
  url: string;
  /** Key prefix; processes with the same prefix on the same Redis share presence. Default 'mekong:presence:'. */
  prefix?: string;
  logger?: Logger;
  /** Clock in ms; Date.now by default. The processes of a cluster need clocks within a few seconds of each other. */
  now?: () => number;
  /** How long a last-seen time is kept. Default 30 days. */
  lastSeenTtlMs?: number;
  /** How long one command may take before it fails with UNAVAILABLE. Default 2000. */
  commandTimeoutMs?: number;
}

export interface RedisPresence extends PresenceStore {
  /** CLIENT SETNAME of the connection, to find it in CLIENT LIST. */
  readonly connectionName: string;
}

/** Users per pipeline; a relay with many users sends several, all at once and in order. */
const BATCH = 500;
const DAY = 24 * 60 * 60 * 1000;

/**
 * A PresenceStore in Redis.
 * @example
 * const presence = createRedisPresence({ url: process.env.REDIS_URL! });
 * createRelay({ log, directory, tokens, presence });
 */
export function createRedisPresence(options: RedisPresenceOptions): RedisPresence {
  const prefix = options.prefix ?? 'mekong:presence:';
  const logger = options.logger ?? pino({ name: 'mekong-presence' });
  const now = options.now ?? Date.now;
  const keepSeen = options.lastSeenTtlMs ?? 30 * DAY;
  const connectionName = `mekong-presence-${connectionId()}`;
  // a presence answer is only worth having now: one retry, then UNAVAILABLE, never a long wait
  const redis = createRedisConnector({ url: options.url, logger, what: 'presence' }).open(connectionName, undefined, {
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 2000,
  });
  let closed = false;
  const relaysKey = (userId: string) => `${prefix}relays:${userId}`;
  const seenKey = (userId: string) => `${prefix}seen:${userId}`;

  /** Runs a pipeline; UNAVAILABLE when Redis or any command in it fails. */
  const run = async (pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> => {
    let results: Array<[Error | null, unknown]> | null;
    try {
      results = await pipeline.exec();
    } catch (err) {
      throw unavailable(err);
    }
    if (!results) throw unavailable(undefined);
    return results.map(([err, value]) => {
      if (err) throw unavailable(err);
      return value;
    });
  };
  const unavailable = (err: unknown) => {
    logger.debug({ err: describeError(err) }, 'presence command failed');
    return new MekongError(ErrorCode.UNAVAILABLE, 'presence is unavailable right now; try again shortly');
  };
  const check = () => {
    if (closed) throw new MekongError(ErrorCode.UNAVAILABLE, 'the presence store is closed');
  };

  return {
    connectionName,

    async hold(relayId, userIds, ttlMs) {
      check();
      const at = now();
      const batches: Promise<unknown>[] = [];
      // every batch is queued before any is awaited, so a release sent after this call stays after it
      for (let i = 0; i < userIds.length; i += BATCH) {
        const p = redis.pipeline();
        for (const userId of userIds.slice(i, i + BATCH)) {
          const key = relaysKey(userId);
          p.zremrangebyscore(key, '-inf', at);
          p.zadd(key, at + ttlMs, relayId);
          p.pexpire(key, ttlMs);
          p.set(seenKey(userId), String(at), 'PX', keepSeen);
        }
        batches.push(run(p));
      }
      await Promise.all(batches);
    },

    async release(relayId, userId) {
      check();
      await run(redis.pipeline().zrem(relaysKey(userId), relayId).set(seenKey(userId), String(now()), 'PX', keepSeen));
    },

    async lookup(userIds) {
      check();
      if (userIds.length === 0) return [];
      const at = now();
      const p = redis.pipeline();
      for (const userId of userIds) p.zcount(relaysKey(userId), `(${at}`, '+inf').get(seenKey(userId));
      const values = await run(p);
      return userIds.map((_, i): PresenceEntry => {
        const count = Number(values[2 * i]);
        const seen = values[2 * i + 1];
        const last = typeof seen === 'string' && /^\d+$/.test(seen) ? Number(seen) : null;
        return { online: count > 0, lastSeen: last };
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      // QUIT lets commands already sent (a last release) finish first
      await endRedis(redis);
    },
  };
}
