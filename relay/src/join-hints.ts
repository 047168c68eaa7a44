// Join hints at this relay: when the revocation bus says a user was given a conversation, every open
// connection of that user here gets a `joined` frame, so the device re-reads its conversation list
// now instead of at its next poll. A hint only: it names the conversation and grants nothing (the
// device reads the list over authenticated HTTP, and subscribing still asks the directory), so it
// needs no membership check here. A lost hint costs the device its next list refresh, which every
// reconnect and the client's slow poll already make.
import { JOINED_MIN_PROTOCOL } from '@mekong/schema';
import type { Logger } from 'pino';
import type { Connection } from './connection';
import type { Joined, RevocationBus } from './ports';
import { describeError } from './text';

export interface JoinHintOptions {
  bus?: RevocationBus;
  /** The open and opening connections of `userId` on this relay; undefined when there are none. */
  connectionsOf(userId: string): readonly Connection[] | undefined;
  logger: Logger;
}

/** Starts forwarding join hints to this relay's sockets; returns the function that stops it. */
export function forwardJoinHints(options: JoinHintOptions): () => void {
  const { bus, logger } = options;
  if (!bus) return () => {};
  const subscription = bus.subscribeJoins((event) => hint(event, options.connectionsOf(event.userId)));
  // the revocation listener shares the subscription and already warns when it is not live
  subscription.ready.catch((err) => logger.debug({ err: describeError(err) }, 'not listening to join hints yet'));
  return () => subscription.unsubscribe();
}

function hint(event: Joined, connections: readonly Connection[] | undefined): void {
  if (!connections) return;
  // copied: a send that fails closes its connection, which takes it out of the list being walked
  for (const conn of [...connections]) {
    // an expired token gets nothing more; the expiry check closes the socket at its next frame
    if (conn.state !== 'open' || conn.protocol < JOINED_MIN_PROTOCOL || conn.expired()) continue;
    conn.send({ type: 'joined', conv: event.conversationId });
  }
}
