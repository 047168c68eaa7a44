// Telling the relays about revocations, after the database change that makes them true.
import type { Revocation, RevocationBus } from '@mekong/relay';
import type { Logger } from 'pino';

/** The part of the revocation bus the services use. */
export type RevocationPublisher = Pick<RevocationBus, 'publish'>;

/**
 * Publishes `events` once the change they announce is committed. Never throws: the database is the
 * truth and is already changed, so a request that revoked something succeeds even when the bus is
 * down. What is not broadcast is logged and reaches relays another way: the Redis adapter keeps
 * sending it once Redis is back, relays re-check every socket after a gap in their feed, and every
 * access token runs out (15 minutes by default) and must be refreshed against the database.
 * Answers how many events were handed over.
 */
export async function announce(revocations: RevocationPublisher | undefined, logger: Logger, events: Revocation[]): Promise<number> {
  if (!revocations || events.length === 0) return 0;
  const results = await Promise.allSettled(events.map((e) => revocations.publish(e)));
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) {
    const reason = (failed[0] as PromiseRejectedResult).reason;
    logger.warn(
      { events: events.length, failed: failed.length, kind: events[0]?.kind, err: reason instanceof Error ? reason.message : String(reason) },
      'revocations not broadcast in time; relays apply them when the bus is back or at their next check',
    );
  }
  return events.length - failed.length;
}
