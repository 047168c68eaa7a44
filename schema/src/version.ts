// Protocol version of the client↔relay wire format. Bump on every change to a frame; add a line to the history.

export const PROTOCOL_VERSION = 3;
/**
 * Oldest client protocol a relay still accepts. A relay speaks to each connection in the protocol
 * its auth frame named, so it never sends a frame that protocol predates (see JOINED_MIN_PROTOCOL).
 * A relay refuses a client newer than itself: upgrade relays before the clients (deploy/README.md).
 */
export const MIN_PROTOCOL_VERSION = 1;

/** The first protocol whose clients understand the `joined` frame; older clients never get it. */
export const JOINED_MIN_PROTOCOL = 2;

/** The first protocol whose clients understand the `changed` frame; older clients never get it. */
export const CHANGED_MIN_PROTOCOL = 3;

/** One line per version. */
export const PROTOCOL_HISTORY: Record<number, string> = {
  1: 'initial: auth, subscribe, unsubscribe, push, put-snapshot, ephemeral, ping / welcome, ack, update, snapshot, synced, ephemeral, error, pong, unsubscribed',
  2: 'down: joined (tag 73, conv): the user was given a conversation, re-read the list now; sent only to protocol 2 or later',
  3: 'down: changed (tag 74, conv): a followed conversation changed (name, members, roles, keys, block), re-read the list now; sent only to protocol 3 or later',
};

/** WebSocket close codes used by the relay (4000–4999 is the application range). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 4000,
  UNAUTHENTICATED: 4001,
  TOKEN_EXPIRED: 4002,
  UNSUPPORTED_PROTOCOL: 4003,
  FRAME_TOO_LARGE: 4004,
  RATE_LIMITED: 4008,
  TOO_MANY_CONNECTIONS: 4009,
  REVOKED: 4010,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
