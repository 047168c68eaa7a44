// mekong-admin: operator commands run beside the servers, on the same database and Redis.
//   mekong-admin ban USER     suspend an account: sign-in and refresh refused, every session revoked,
//                             its sockets closed on every relay
//   mekong-admin unban USER   lift the suspension (the user signs in again)
// Configuration comes from the same variables as the server: DATABASE_URL or MEKONG_DATA_DIR, REDIS_URL.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedisRevocations, type RevocationBus } from '@mekong/relay';
import { isMekongError } from '@mekong/schema';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { banUser, findUserById, findUserByUsername, unbanUser } from '../accounts';
import { type Db, migrateToLatest, openDatabase } from '../db';

export const USAGE = `usage: mekong-admin <command>
  ban USER     suspend USER (a username or user id): sign-in refused, sessions revoked, sockets closed
  unban USER   lift the suspension
environment: DATABASE_URL (postgres://…) or MEKONG_DATA_DIR (default ./data), REDIS_URL to reach the relays`;

export interface AdminIo {
  env: Record<string, string | undefined>;
  out(line: string): void;
  err(line: string): void;
  /** Replaces the bus that REDIS_URL would give (tests). */
  revocations?: RevocationBus;
  now?: () => number;
}

/** How long the CLI waits for Redis to take a revocation before it says it could not. */
const PUBLISH_TIMEOUT_MS = 5000;

/** Runs one admin command; answers the exit code (0 done, 1 failed, 2 usage). */
export async function runAdmin(argv: string[], io: AdminIo): Promise<number> {
  const [command, who, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'ban' && command !== 'unban') {
    io.err(`mekong-admin: unknown command "${command}"; use ban or unban`);
    return 2;
  }
  if (!who || rest.length > 0) {
    io.err(`mekong-admin: ${command} takes exactly one USER (a username or user id)`);
    return 2;
  }
  const target = io.env.DATABASE_URL ?? join(resolve(io.env.MEKONG_DATA_DIR ?? './data'), 'mekong.db');
  let db: Kysely<Db> | undefined;
  try {
    db = await openDatabase(target);
    await migrateToLatest(db);
    const user = (await findUserByUsername(db, who.toLowerCase())) ?? (await findUserById(db, who));
    if (!user) {
      io.err(`mekong-admin: no user has the username or id "${who}"`);
      return 1;
    }
    const name = `${user.username} (${user.id})`;
    if (command === 'unban') {
      const lifted = await unbanUser(db, user.id);
      io.out(lifted ? `unbanned ${name}; they can sign in again` : `${name} was not banned; nothing changed`);
      return 0;
    }
    const outcome = await banUser(db, user.id, (io.now ?? Date.now)());
    if (!outcome) {
      io.err(`mekong-admin: ${name} no longer exists`);
      return 1;
    }
    io.out(`${outcome.alreadyBanned ? `${name} was already banned` : `banned ${name}`}; ${outcome.sessionsRevoked} open session(s) revoked`);
    return await tellRelays(user.id, io);
  } catch (err) {
    io.err(`mekong-admin: ${command} failed: ${isMekongError(err) || err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await db?.destroy();
  }
}

/** Publishes the ban so every relay closes the user's sockets now. */
async function tellRelays(userId: string, io: AdminIo): Promise<number> {
  const url = io.env.REDIS_URL;
  if (!io.revocations && !url) {
    io.out(
      'REDIS_URL is not set, so no relay was told: sockets of this user close when their access tokens expire (15 minutes at most), ' +
        'or at once if you restart the server',
    );
    return 0;
  }
  // the CLI reports what went wrong in its own words; the bus's logs would only repeat it
  const bus = io.revocations ?? createRedisRevocations({ url: url as string, publishTimeoutMs: PUBLISH_TIMEOUT_MS, logger: pino({ level: 'silent' }) });
  try {
    await bus.publish({ kind: 'user', userId });
    io.out('relays told: the user’s open sockets are closing');
    return 0;
  } catch (err) {
    io.err(
      `mekong-admin: the ban is in place but the relays could not be told (${err instanceof Error ? err.message : String(err)}); ` +
        'their sockets close when Redis is back and the relays re-check, or when the access tokens expire. Run the command again to retry.',
    );
    return 1;
  } finally {
    if (!io.revocations) await bus.close();
  }
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const code = await runAdmin(process.argv.slice(2), {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  process.exit(code);
}
