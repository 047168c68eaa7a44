import { describe, expect, it } from 'vitest';
import { EmailAddress, foldVietnamese, PhoneNumber, SearchUsersQuery, UpdateContactRequest, UserRef } from './index';

describe('social schemas', () => {
  it('stores phone numbers in one international spelling', () => {
    expect(PhoneNumber.parse('+84 912-345-678')).toBe('+84912345678');
    expect(PhoneNumber.parse('0084 (912) 345.678')).toBe('+84912345678');
    expect(PhoneNumber.parse('+12025550123')).toBe('+12025550123');
    for (const bad of ['0912345678', '+0912345678', '+84', '+8491234567890123', 'phone', '+84 912 abc', '', '+'.padEnd(40, '1')]) {
      expect(PhoneNumber.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('lower-cases email addresses and refuses what is not one', () => {
    expect(EmailAddress.parse('  Lan.Nguyen@Example.VN ')).toBe('lan.nguyen@example.vn');
    for (const bad of ['lan', 'lan@', '@example.vn', 'lan@@example.vn', 'lan nguyen@example.vn', `${'a'.repeat(250)}@x.vn`]) {
      expect(EmailAddress.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('lets a contact update leave out, set or clear each field, and nothing else', () => {
    expect(UpdateContactRequest.parse({})).toEqual({});
    expect(UpdateContactRequest.parse({ phone: null, email: 'A@b.co' })).toEqual({ phone: null, email: 'a@b.co' });
    expect(UpdateContactRequest.safeParse({ phone: 84912345678 }).success).toBe(false);
    expect(UpdateContactRequest.safeParse({ username: 'x' }).success).toBe(false);
    expect(UpdateContactRequest.safeParse(JSON.parse('{"__proto__":{"x":1}}')).success).toBe(false);
  });

  it('bounds the search query to 1–64 characters after trimming', () => {
    expect(SearchUsersQuery.parse({ q: '  Văn ' })).toEqual({ q: 'Văn' });
    expect(SearchUsersQuery.safeParse({ q: 'ễ'.repeat(64) }).success).toBe(true);
    for (const q of ['', '   ', 'x'.repeat(65), 'a\u0000b', ['a', 'b'], 7]) expect(SearchUsersQuery.safeParse({ q }).success).toBe(false);
    expect(SearchUsersQuery.safeParse({}).success).toBe(false);
    expect(SearchUsersQuery.safeParse({ q: 'a', limit: '5' }).success).toBe(false);
  });

  it('names another user by id only', () => {
    expect(UserRef.safeParse({ userId: 'AAAAAAAAAAAAAAAAAAAAAA' }).success).toBe(true);
    for (const body of [{}, { userId: 7 }, { userId: 'a b' }, { userId: 'x'.repeat(129) }, { userId: 'a', extra: 1 }]) {
      expect(UserRef.safeParse(body).success).toBe(false);
    }
  });

  it('exports the shared folding function', () => {
    expect(foldVietnamese('Đoàn Văn Hậu')).toBe('doan van hau');
  });
});
