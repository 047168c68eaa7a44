// Pairs of users: the key of an unordered pair, and the lock that serializes every change to one
// pair's relationship (request, accept, unfriend, block) so no two of them interleave.
import type { Kysely } from 'kysely';
import { type Db, isPostgres } from '../db';

/** "<smaller id>:<larger id>"; ids are url-safe, so ":" cannot occur in them. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

/**
 * Locks the users rows of `a` and `b` (in id order, so two lockers cannot deadlock) until the
 * transaction `trx` ends, and answers which of the two exist. PostgreSQL takes FOR NO KEY UPDATE
 * row locks, which do not hold up inserts that merely reference the users; SQLite needs none, since
 * its transactions run one at a time on the single connection.
 */
export async function lockPair(trx: Kysely<Db>, a: string, b: string): Promise<Set<string>> {
  const query = trx.selectFrom('users').select('id').where('id', 'in', [a, b]).orderBy('id');
  const rows = await (isPostgres(trx as Kysely<unknown>) ? query.forNoKeyUpdate() : query).execute();
  return new Set(rows.map((r) => r.id));
}
