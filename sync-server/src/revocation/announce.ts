// Telling the relays about revocations and hints (joined, changed), after the database change that makes them true.
import type { AccessEvent, Joined, ListHint, Revocation, RevocationBus } from '@mekong/relay';
import type { Logger } from 'pino';

/** The part of the revocation bus the services use. */
export type RevocationPublisher = Pick<RevocationBus, 'publish'>;

const notSent = {
  revocation: 'revocations not broadcast in time; relays apply them when the bus is back or at their next check',
  joined: 'join hints not broadcast in time; the devices see the conversation at their next list refresh',
  changed: 'a change hint was not broadcast in time; the devices see the change at their next list refresh',
};

/**
 * Publishes `events` once the change they announce is committed. Never throws: the database is the
 * truth and is already changed, so a request that revoked something succeeds even when the bus is
 * down. What is not broadcast is logged and reaches relays another way: the Redis adapter keeps
 * sending it once Redis is back, relays re-check every socket after a gap in their feed, and every
 * access token runs out (15 minutes by default) and must be refreshed against the database.
 * Answers how many events were handed over.
 */
export async function announce(revocations: RevocationPublisher | undefined, logger: Logger, events: Revocation[] | ListHint[]): Promise<number> {
  if (!revocations || events.length === 0) return 0;
  const results = await Promise.allSettled((events as AccessEvent[]).map((e) => revocations.publish(e)));
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) {
    const reason = (failed[0] as PromiseRejectedResult).reason;
    const kind = events[0]?.kind;
    logger.warn(
      { events: events.length, failed: failed.length, kind, err: reason instanceof Error ? reason.message : String(reason) },
      kind === 'joined' || kind === 'changed' ? notSent[kind] : notSent.revocation,
    );
  }
  return events.length - failed.length;
}

/**
 * Tells the relays that users were given a conversation, so their open devices re-read their
 * conversation list now. Does not hold up the answer: the hint is best effort (a device that misses
 * it finds the conversation at its next list refresh, on reconnect or its slow poll), and waiting
 * for a slow Redis would cost the caller up to the publish timeout. Never throws.
 * @example hintJoins(deps.revocations, deps.logger, [{ kind: 'joined', conversationId: id, userId }]);
 */
export function hintJoins(revocations: RevocationPublisher | undefined, logger: Logger, events: Joined[]): void {
  if (events.length > 0) void announce(revocations, logger, events);
}

/**
 * Tells the relays that a conversation changed outside its own updates (renamed, its membership log
 * appended, a 1-1 unblocked), so the devices following it re-read their conversation list now
 * instead of at their next poll. Best effort and not awaited, like `hintJoins`. Never throws.
 * @example hintChanged(deps.revocations, deps.logger, groupId);
 */
export function hintChanged(revocations: RevocationPublisher | undefined, logger: Logger, conversationId: string): void {
  void announce(revocations, logger, [{ kind: 'changed', conversationId }]);
}
