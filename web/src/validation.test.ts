import { describe, expect, it } from 'vitest';
import { normalizeUsername, validateAuth } from './validation';

const ok = { username: 'lan.nguyen', displayName: 'Nguyễn Lan', password: 'correct horse' };

describe('validateAuth', () => {
  it('accepts a good registration', () => {
    expect(validateAuth('register', ok)).toEqual({});
  });

  it('flags each bad field of a registration', () => {
    expect(validateAuth('register', { username: 'a!', displayName: '  ', password: 'short' })).toEqual({
      username: 'auth.invalid.username',
      displayName: 'auth.invalid.displayName',
      password: 'auth.invalid.password',
    });
  });

  it('folds case and trims the username like the server', () => {
    expect(normalizeUsername('  Lan_99 ')).toBe('lan_99');
    expect(validateAuth('register', { ...ok, username: ' Lan_99 ' })).toEqual({});
  });

  it('counts a display name in characters, so Vietnamese names are not cut short', () => {
    expect(validateAuth('register', { ...ok, displayName: 'Ư'.repeat(64) })).toEqual({});
    expect(validateAuth('register', { ...ok, displayName: 'Ư'.repeat(65) }).displayName).toBe('auth.invalid.displayName');
  });

  it('asks only for a username and some password when logging in', () => {
    expect(validateAuth('login', { username: 'lan', displayName: '', password: 'x' })).toEqual({});
    expect(validateAuth('login', { username: 'lan', displayName: '', password: '' })).toEqual({
      password: 'auth.required.password',
    });
  });
});
