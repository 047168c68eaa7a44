// The closed vocabulary of error codes shared by clients, relays and services.
// A code names what went wrong; the message says what to do. Never put message content or keys in either.

export const ErrorCode = {
  // input and protocol
  BAD_REQUEST: 'BAD_REQUEST',
  MALFORMED_FRAME: 'MALFORMED_FRAME',
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  UNSUPPORTED_PROTOCOL: 'UNSUPPORTED_PROTOCOL',
  MALFORMED_ENVELOPE: 'MALFORMED_ENVELOPE',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  // authentication and authorization
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  FORBIDDEN: 'FORBIDDEN',
  NOT_MEMBER: 'NOT_MEMBER',
  // resources
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  USERNAME_TAKEN: 'USERNAME_TAKEN',
  // limits
  RATE_LIMITED: 'RATE_LIMITED',
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  TOO_MANY_CONNECTIONS: 'TOO_MANY_CONNECTIONS',
  // cryptography (client side)
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  DECRYPT_FAILED: 'DECRYPT_FAILED',
  WRONG_CONTEXT: 'WRONG_CONTEXT',
  UNKNOWN_DEVICE: 'UNKNOWN_DEVICE',
  UNKNOWN_EPOCH: 'UNKNOWN_EPOCH',
  BAD_CERTIFICATE: 'BAD_CERTIFICATE',
  // documents
  UPDATE_REJECTED: 'UPDATE_REJECTED',
  // transport and server state
  UNAVAILABLE: 'UNAVAILABLE',
  TIMEOUT: 'TIMEOUT',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const CODES = new Set<string>(Object.values(ErrorCode));

/** True when `value` is one of the known error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

/** HTTP status for each code, used by every service's error handler. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  MALFORMED_FRAME: 400,
  FRAME_TOO_LARGE: 413,
  UNSUPPORTED_PROTOCOL: 400,
  MALFORMED_ENVELOPE: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_MEMBER: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  USERNAME_TAKEN: 409,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 403,
  TOO_MANY_CONNECTIONS: 429,
  BAD_SIGNATURE: 400,
  DECRYPT_FAILED: 400,
  WRONG_CONTEXT: 400,
  UNKNOWN_DEVICE: 400,
  UNKNOWN_EPOCH: 400,
  BAD_CERTIFICATE: 400,
  UPDATE_REJECTED: 400,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  INTERNAL: 500,
};

/**
 * The one error type that crosses package boundaries. `code` is machine-readable,
 * `message` is a short sentence for a person that says what to do.
 */
export class MekongError extends Error {
  override readonly name = 'MekongError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Narrow an unknown thrown value to a MekongError with the given code. */
export function isMekongError(err: unknown, code?: ErrorCode): err is MekongError {
  return err instanceof MekongError && (code === undefined || err.code === code);
}
