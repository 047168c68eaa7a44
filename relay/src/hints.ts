// Hints at this relay. When the revocation bus says a user was given a conversation (`joined`), every
// open connection of that user here gets a `joined` frame; when it says a conversation changed
// (`changed`: renamed, its membership log appended, a 1-1 unblocked), every connection here that
// follows it gets a `changed` frame. Either way the device re-reads its conversation list now
// instead of at its next poll. Hints only: they name the conversation and grant nothing (the device
// reads the list over authenticated HTTP, and subscribing still asks the directory), so they need no
// membership check here. A lost hint costs the device its next list refresh, which every reconnect
// and the client's slow poll already make.
import { CHANGED_MIN_PROTOCOL, JOINED_MIN_PROTOCOL } from '@mekong/schema';
import type { Logger } from 'pino';
import type { Connection } from './connection';
import type { ListHint, RevocationBus } from './ports';
import { describeError } from './text';

export interface HintOptions {
  bus?: RevocationBus;
  /** The open and opening connections of `userId` on this relay; undefined when there are none. */
  connectionsOf(userId: string): readonly Connection[] | undefined;
  /** The connections on this relay subscribed to `conv`. */
  followersOf(conv: string): readonly Connection[];
  logger: Logger;
}

/** Starts forwarding join and change hints to this relay's sockets; returns the function that stops it. */
export function forwardHints(options: HintOptions): () => void {
  const { bus, logger } = options;
  if (!bus) return () => {};
  const subscription = bus.subscribeHints((event) => hint(event, options));
  // the revocation listener shares the subscription and already warns when it is not live
  subscription.ready.catch((err) => logger.debug({ err: describeError(err) }, 'not listening to hints yet'));
  return () => subscription.unsubscribe();
}

function hint(event: ListHint, options: HintOptions): void {
  const conv = event.conversationId;
  const [connections, minProtocol] =
    event.kind === 'joined' ? [options.connectionsOf(event.userId), JOINED_MIN_PROTOCOL] : [options.followersOf(conv), CHANGED_MIN_PROTOCOL];
  if (!connections) return;
  // copied: a send that fails closes its connection, which takes it out of the list being walked
  for (const conn of [...connections]) {
    // an expired token gets nothing more; the expiry check closes the socket at its next frame
    if (conn.state !== 'open' || conn.protocol < minProtocol || conn.expired()) continue;
    conn.send(event.kind === 'joined' ? { type: 'joined', conv } : { type: 'changed', conv });
  }
}
