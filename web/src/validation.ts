// Checks the auth form before any key derivation starts, mirroring the server's account rules.
import type { MessageKey } from './i18n';

export const USERNAME_PATTERN = /^[a-z0-9_.]{3,32}$/;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_DISPLAY_NAME_LENGTH = 64;

export type AuthField = 'username' | 'displayName' | 'password';
export type FieldErrors = Partial<Record<AuthField, MessageKey>>;

/** Usernames are case-insensitive on the server; fold and trim the same way here. */
export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Field-by-field problems with the form; an empty object means it can be submitted. */
export function validateAuth(
  mode: 'register' | 'login',
  input: { username: string; displayName: string; password: string },
): FieldErrors {
  const errors: FieldErrors = {};
  if (!USERNAME_PATTERN.test(normalizeUsername(input.username))) errors.username = 'auth.invalid.username';
  if (mode === 'register') {
    const name = input.displayName.trim();
    if (name.length === 0 || [...name].length > MAX_DISPLAY_NAME_LENGTH) errors.displayName = 'auth.invalid.displayName';
    if (input.password.length < MIN_PASSWORD_LENGTH) errors.password = 'auth.invalid.password';
  } else if (input.password.length === 0) {
    errors.password = 'auth.required.password';
  }
  return errors;
}
