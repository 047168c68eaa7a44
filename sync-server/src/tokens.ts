// Short-lived access tokens (HS256 JWT) that the API and the relays verify without a database.
import { ErrorCode, MekongError } from '@mekong/schema';
import { errors, jwtVerify, SignJWT } from 'jose';

const ISSUER = 'mekong';
const AUDIENCE = 'mekong-access';
const MIN_SECRET_BYTES = 32;

export interface AccessClaims {
  userId: string;
  sessionId: string;
  /** Absent while the session has no device yet. */
  deviceId?: string;
}

export interface VerifiedAccess extends AccessClaims {
  /** When the token stops being accepted, in milliseconds since the epoch. */
  expiresAt: number;
}

export interface TokenService {
  /** Lifetime of an access token, in seconds (what clients see as `expiresIn`). */
  readonly accessTtlSeconds: number;
  issueAccess(claims: AccessClaims): Promise<string>;
  /** Throws UNAUTHENTICATED for anything but a valid token, TOKEN_EXPIRED once it has expired. */
  verifyAccess(token: string): Promise<VerifiedAccess>;
}

export interface TokenServiceOptions {
  /** At least 32 random bytes, shared by every process that verifies tokens. */
  secret: Uint8Array;
  accessTtlSeconds?: number;
  /** Clock in milliseconds; tests move it. */
  now?: () => number;
}

export function createTokenService(opts: TokenServiceOptions): TokenService {
  if (opts.secret.length < MIN_SECRET_BYTES) {
    throw new MekongError(ErrorCode.BAD_REQUEST, `The token secret must be at least ${MIN_SECRET_BYTES} random bytes.`);
  }
  const secret = new Uint8Array(opts.secret);
  const ttl = opts.accessTtlSeconds ?? 900;
  const now = opts.now ?? Date.now;
  const unauthenticated = () => new MekongError(ErrorCode.UNAUTHENTICATED, 'The access token is not valid; sign in again.');

  return {
    accessTtlSeconds: ttl,

    async issueAccess({ userId, sessionId, deviceId }) {
      const iat = Math.floor(now() / 1000);
      const jwt = new SignJWT(deviceId === undefined ? { sid: sessionId } : { sid: sessionId, did: deviceId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttl);
      return jwt.sign(secret);
    },

    async verifyAccess(token) {
      try {
        const { payload } = await jwtVerify(token, secret, {
          algorithms: ['HS256'],
          issuer: ISSUER,
          audience: AUDIENCE,
          currentDate: new Date(now()),
          requiredClaims: ['sub', 'exp', 'sid'],
        });
        const { sub, sid, did, exp } = payload;
        if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') throw unauthenticated();
        if (did !== undefined && typeof did !== 'string') throw unauthenticated();
        return { userId: sub, sessionId: sid, ...(did === undefined ? {} : { deviceId: did }), expiresAt: exp * 1000 };
      } catch (err) {
        if (err instanceof errors.JWTExpired) {
          throw new MekongError(ErrorCode.TOKEN_EXPIRED, 'The access token has expired; refresh it and retry.');
        }
        if (err instanceof MekongError) throw err;
        throw unauthenticated();
      }
    },
  };
}
