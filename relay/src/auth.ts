// The auth frame: opens a connection for one device, and later refreshes its token on the open socket.
import { type AuthUp, CloseCode, ErrorCode, isMekongError, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@mekong/schema';
import type { Connection } from './connection';

type Claims = Awaited<ReturnType<Connection['ctx']['tokens']['verify']>>;

export async function authenticate(conn: Connection, frame: AuthUp): Promise<void> {
  if (frame.protocol < MIN_PROTOCOL_VERSION || frame.protocol > PROTOCOL_VERSION) {
    return conn.refuseAuth(
      ErrorCode.UNSUPPORTED_PROTOCOL,
      CloseCode.UNSUPPORTED_PROTOCOL,
      `this relay speaks protocol ${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}; update the app`,
    );
  }
  // a revocation that arrives while the token is checked may not be visible to that check
  const mark = conn.ctx.revocations.mark();
  const claims = await verify(conn, frame.token);
  if (!claims || conn.closed) return;
  if (!claims.deviceId) {
    return conn.refuseAuth(ErrorCode.UNAUTHENTICATED, CloseCode.UNAUTHENTICATED, 'this token names no device; sign in on the device to get one');
  }
  if (claims.expiresAt <= conn.ctx.now()) {
    return conn.refuseAuth(ErrorCode.TOKEN_EXPIRED, CloseCode.TOKEN_EXPIRED, 'the token has expired; refresh it and authenticate again');
  }
  if (conn.ctx.revocations.revokedSince(mark, claims.userId, claims.deviceId)) {
    return conn.refuseAuth(ErrorCode.UNAUTHENTICATED, CloseCode.UNAUTHENTICATED, 'this session was just revoked; refresh the token or sign in again');
  }
  if (conn.state === 'awaiting-auth') {
    if (!conn.ctx.admit(conn, claims.userId)) {
      const max = conn.ctx.limits.maxConnectionsPerUser;
      return conn.refuseAuth(ErrorCode.TOO_MANY_CONNECTIONS, CloseCode.TOO_MANY_CONNECTIONS, `close another session first; at most ${max} connections per user`);
    }
    conn.opened(claims.userId, claims.deviceId, claims.expiresAt, frame.protocol);
    conn.debug({ user: claims.userId, device: claims.deviceId }, 'authenticated');
  } else {
    // a refresh may extend the session, never move it to another account or device
    if (claims.userId !== conn.user || claims.deviceId !== conn.device) {
      return conn.refuseAuth(ErrorCode.UNAUTHENTICATED, CloseCode.UNAUTHENTICATED, 'a connection belongs to one device; open a new connection to switch');
    }
    conn.expiresAt = claims.expiresAt;
  }
  conn.ctx.revocations.opened(conn, frame.token, claims);
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
      conn.refuseAuth(ErrorCode.TOKEN_EXPIRED, CloseCode.TOKEN_EXPIRED, 'the token has expired; refresh it and authenticate again');
    } else if (err.code === ErrorCode.FORBIDDEN) {
      // the account itself is refused (suspended): REVOKED tells the client not to retry
      conn.refuseAuth(ErrorCode.FORBIDDEN, CloseCode.REVOKED, 'this account is suspended; contact the operator');
    } else {
      conn.refuseAuth(ErrorCode.UNAUTHENTICATED, CloseCode.UNAUTHENTICATED, 'the token was not accepted; sign in again');
    }
    return undefined;
  }
}
