// Purging a disbanded group's encrypted history from the relay's tables, when the relay shares
// the services' database (one process, or one PostgreSQL for both).
import type { RelayDb } from '@mekong/relay';
import type { Kysely } from 'kysely';

/** Deletes the relay log, snapshot and sequence head of `conv`. Idempotent. */
export async function purgeRelayHistory(db: Kysely<RelayDb>, conv: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('relay_log').where('conv', '=', conv).execute();
    await trx.deleteFrom('relay_snapshots').where('conv', '=', conv).execute();
    await trx.deleteFrom('relay_heads').where('conv', '=', conv).execute();
  });
}
