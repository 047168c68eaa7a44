import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AllKeysQuery, base64urlText, Bytes32, DisplayName, LoginRequest, MAX_BACKUP_CHARS, PutBackupRequest, RegisterRequest, Username } from './index';

describe('HTTP schemas', () => {
  it('folds usernames to lower case and keeps them to 3–32 of [a-z0-9_.]', () => {
    expect(Username.parse('Lan.Nguyen_90')).toBe('lan.nguyen_90');
    for (const bad of ['ab', 'a'.repeat(33), 'lan nguyen', 'lân', 'lan-n', '', 'LAN!']) expect(Username.safeParse(bad).success).toBe(false);
  });

  it('accepts exactly the canonical spelling of 32 bytes', () => {
    for (let i = 0; i < 50; i++) expect(Bytes32.safeParse(randomBytes(32).toString('base64url')).success).toBe(true);
    const key = Buffer.alloc(32, 7).toString('base64url');
    expect(Bytes32.safeParse(`${key}=`).success).toBe(false);
    expect(Bytes32.safeParse(key.slice(0, 42)).success).toBe(false);
    expect(Bytes32.safeParse(`${key.slice(0, 42)}9`).success).toBe(false);
    expect(Bytes32.safeParse(randomBytes(31).toString('base64url')).success).toBe(false);
    expect(Bytes32.safeParse(randomBytes(32).toString('base64')).success).toBe(false);
  });

  it('refuses base64url lengths no encoder produces', () => {
    const b = base64urlText(100);
    expect(b.safeParse('AAAA').success).toBe(true);
    expect(b.safeParse('AAAAA').success).toBe(false);
    expect(b.safeParse('AA==').success).toBe(false);
    expect(b.safeParse('').success).toBe(false);
  });

  it('trims display names and refuses control characters', () => {
    expect(DisplayName.parse('  Lân  ')).toBe('Lân');
    expect(DisplayName.safeParse('a\nb').success).toBe(false);
    expect(DisplayName.safeParse(' ').success).toBe(false);
  });

  it('refuses unknown and __proto__ keys in requests', () => {
    const login = { username: 'lan', loginSecret: randomBytes(32).toString('base64url') };
    expect(LoginRequest.safeParse(login).success).toBe(true);
    expect(LoginRequest.safeParse({ ...login, admin: true }).success).toBe(false);
    expect(LoginRequest.safeParse(JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(login).slice(1)}`)).success).toBe(false);
    expect(RegisterRequest.safeParse({}).success).toBe(false);
  });

  it('bounds the backup and its version', () => {
    expect(PutBackupRequest.safeParse({ expectedVersion: 0, data: 'A'.repeat(MAX_BACKUP_CHARS) }).success).toBe(true);
    expect(PutBackupRequest.safeParse({ expectedVersion: 0, data: 'A'.repeat(MAX_BACKUP_CHARS + 4) }).success).toBe(false);
    expect(PutBackupRequest.safeParse({ expectedVersion: -1, data: 'AAAA' }).success).toBe(false);
  });

  it('reads the key page size from the query string', () => {
    expect(AllKeysQuery.parse({ limit: '25' })).toEqual({ limit: 25 });
    expect(AllKeysQuery.safeParse({ limit: '0' }).success).toBe(false);
  });
});
