// Protocol version of the client↔relay wire format. Bump on every change to a frame; add a line to the history.

export const PROTOCOL_VERSION = 1;
/** Oldest client protocol a relay still accepts. */
export const MIN_PROTOCOL_VERSION = 1;

/** One line per version. */
export const PROTOCOL_HISTORY: Record<number, string> = {
  1: 'initial: auth, subscribe, unsubscribe, push, put-snapshot, ephemeral, ping / welcome, ack, update, snapshot, synced, ephemeral, error, pong, unsubscribed',
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
