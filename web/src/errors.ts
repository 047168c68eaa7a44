// Maps whatever a client call threw to a translatable sentence, keyed by the error's code.
import type { MessageKey } from './i18n';

/** The error's code when it carries one (MekongError), 'UNAVAILABLE' for a failed fetch, else undefined. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  // fetch() rejects with a bare TypeError when the network is down
  if (err instanceof TypeError && /fetch|network/i.test(err.message)) return 'UNAVAILABLE';
  return undefined;
}

const KNOWN = new Set<string>([
  'INVALID_CREDENTIALS',
  'USERNAME_TAKEN',
  'NOT_FOUND',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'TIMEOUT',
  'CONFLICT',
  'NOT_MEMBER',
]);

/** Dictionary key of the sentence to show for `err`; unknown codes get the generic sentence. */
export function errorKey(err: unknown): MessageKey {
  const code = errorCode(err);
  return code && KNOWN.has(code) ? (`error.${code}` as MessageKey) : 'error.unknown';
}
