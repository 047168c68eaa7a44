import { describe, expect, it } from 'vitest';
import { errorCode, errorKey } from './errors';

class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

describe('errorKey', () => {
  it('picks the sentence of a known code', () => {
    expect(errorKey(new CodedError('USERNAME_TAKEN', 'taken'))).toBe('error.USERNAME_TAKEN');
    expect(errorKey(new CodedError('INVALID_CREDENTIALS', 'no'))).toBe('error.INVALID_CREDENTIALS');
  });

  it('treats a failed fetch as the server being unreachable', () => {
    expect(errorCode(new TypeError('Failed to fetch'))).toBe('UNAVAILABLE');
    expect(errorKey(new TypeError('NetworkError when attempting to fetch resource.'))).toBe('error.UNAVAILABLE');
  });

  it('falls back to the generic sentence', () => {
    expect(errorKey(new CodedError('DECRYPT_FAILED', 'x'))).toBe('error.unknown');
    expect(errorKey(new Error('boom'))).toBe('error.unknown');
    expect(errorKey('string')).toBe('error.unknown');
    expect(errorKey(null)).toBe('error.unknown');
  });
});
