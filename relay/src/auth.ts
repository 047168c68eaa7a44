// The auth frame: opens a connection for one device, and later refreshes its token on the open socket.
import { type AuthUp, CloseCode, ErrorCode, isMekongError, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@mekong/schema';
import type { Connection } from './connection';

type Claims = Awaited<ReturnType<Connection['ctx']['tokens']['verify']>>;

export async function authenticate(conn: Connection, frame: AuthUp): Promise<void> {
  if (frame.protocol < MIN_PROTOCOL_VERSION || frame.protocol > PROTOCOL_VERSION) {
    return conn.fatal(
      ErrorCode.UNSUPPORTED_PROTOCOL,
      CloseCode.UNSUPPORTED_PROTOCOL,
      `this relay speaks protocol ${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}; update the app`,
    );
  }
  const claims = await verify(conn, frame.token);
  if (!claims || conn.closed) return;
  if (!claims.deviceId) {
    return conn.fatal(ErrorCode.UNAUTHENTICATED, CloseCode.UNAUTHENTICATED, 'this token names no device; sign in on the device to get one');
  }
  if (claims.expiresAt <= conn.ctx.now()) {
    return conn.fatal(ErrorCode.TOKEN_EXPIRED, CloseCode.TOKEN_EXPIRED, 'the token has expired; refresh it and authenticate again');
  }
  if (conn.state === 'awaiting-auth') {
    if (!conn.ctx.admit(claims.userId)) {
      const max = conn.ctx.limits.maxConnectionsPerUser;
      return conn.fatal(ErrorCode.TOO_MANY_CONNECTIONS, CloseCode.TOO_MANY_CONNECTIONS, `close another session first; at most ${max} connections per user`);
    }
    conn.opened(claims.userId, claims.deviceId, claims.expiresAt);
    conn.logger.debug({ user: claims.userId, device: claims.deviceId }, 'authenticated');
  } else {
    // a refresh may extend the session, never move it to another account or device
    if (claims.userId !== conn.user || claims.deviceId !== conn.device) {
      return conn.fatal(ErrorCode.UNAUTHENTICATED, CloseCode.UNAUTHENTICATED, 'a connection belongs to one device; open a new connection to switch');
    }
    conn.expiresAt = claims.expiresAt;
  }
  conn.send({ type: 'welcome', protocol: frame.protocol, user: claims.userId, device: claims.deviceId, expiresAt: claims.expiresAt });
}

/** The token's claims, or undefined after closing the connection for a token that is not acceptable. */
async function verify(conn: Connection, token: string): Promise<Claims | undefined> {
  try {
    return await conn.ctx.tokens.verify(token);
  } catch (err) {
    // anything but a typed refusal is the verifier failing, not the client: it becomes INTERNAL and the client may retry
    if (!isMekongError(err)) throw err;
    if (err.code === ErrorCode.TOKEN_EXPIRED) {
      conn.fatal(ErrorCode.TOKEN_EXPIRED, CloseCode.TOKEN_EXPIRED, 'the token has expired; refresh it and authenticate again');
    } else {
      conn.fatal(ErrorCode.UNAUTHENTICATED, CloseCode.UNAUTHENTICATED, 'the token was not accepted; sign in again');
    }
    return undefined;
  }
}
