import { describe, expect, it } from 'vitest';
import { en } from './en';
import { pickLanguage, translate } from './translate';
import { vi } from './vi';

describe('dictionaries', () => {
  it('have exactly the same keys in Vietnamese and English', () => {
    expect(Object.keys(vi).sort()).toEqual(Object.keys(en).sort());
  });

  it('have no empty strings', () => {
    for (const [key, value] of [...Object.entries(vi), ...Object.entries(en)]) {
      expect(value.trim(), key).not.toBe('');
    }
  });

  it('use the same placeholders in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(names(vi[key]), key).toEqual(names(en[key]));
    }
  });

  it('write Vietnamese with its diacritics', () => {
    expect(vi['status.offline']).toContain('Mất kết nối');
    expect(vi['auth.tab.login']).toBe('Đăng nhập');
  });
});

describe('translate', () => {
  it('fills placeholders', () => {
    expect(translate('en', 'main.newChat.notFound', { username: 'lan' })).toBe(
      'No user is called “lan”. Check the spelling.',
    );
    expect(translate('vi', 'main.unread', { count: 3 })).toBe('3 tin chưa đọc');
  });

  it('leaves a placeholder without a value visible', () => {
    expect(translate('en', 'main.unread')).toBe('{count} unread');
  });
});

describe('pickLanguage', () => {
  it('prefers the stored choice', () => {
    expect(pickLanguage('en', ['vi-VN'])).toBe('en');
  });
  it('otherwise takes the first browser language it knows', () => {
    expect(pickLanguage(null, ['fr-FR', 'en-US', 'vi'])).toBe('en');
    expect(pickLanguage('klingon', ['vi-VN'])).toBe('vi');
  });
  it('falls back to English for a browser set to neither', () => {
    expect(pickLanguage(null, ['de-DE'])).toBe('en');
    expect(pickLanguage(null, [])).toBe('en');
  });
});
