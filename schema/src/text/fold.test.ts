import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldVietnamese } from './fold';

describe('foldVietnamese', () => {
  it('strips tone and vowel marks and lower-cases', () => {
    expect(foldVietnamese('Nguyễn Văn A')).toBe('nguyen van a');
    expect(foldVietnamese('Trần Thị Hương')).toBe('tran thi huong');
    expect(foldVietnamese('Phạm Quốc Bảo')).toBe('pham quoc bao');
    expect(foldVietnamese('Lê Thị Ánh Nguyệt')).toBe('le thi anh nguyet');
    expect(foldVietnamese('ƯỚC MƠ Ở ĐÂY')).toBe('uoc mo o day');
  });

  it('reads đ and Đ as d', () => {
    expect(foldVietnamese('Đặng Đình Đức')).toBe('dang dinh duc');
    expect(foldVietnamese('đ')).toBe('d');
    expect(foldVietnamese('Đ')).toBe('d');
  });

  it('gives the same result for precomposed and decomposed input', () => {
    const composed = 'Nguyễn'.normalize('NFC');
    const decomposed = 'Nguyễn'.normalize('NFD');
    expect(composed).not.toBe(decomposed);
    expect(foldVietnamese(composed)).toBe(foldVietnamese(decomposed));
  });

  it('collapses and trims white space of any kind', () => {
    expect(foldVietnamese('  Văn \t\n  Bình  ')).toBe('van binh');
    expect(foldVietnamese('A\u00a0B\u3000C')).toBe('a b c');
    expect(foldVietnamese('   ')).toBe('');
    expect(foldVietnamese('')).toBe('');
  });

  it('leaves plain lower-case ASCII, digits, punctuation and unmarked scripts as they are', () => {
    expect(foldVietnamese('lan_90.nguyen-x')).toBe('lan_90.nguyen-x');
    expect(foldVietnamese('김민준')).toBe('김민준');
    expect(foldVietnamese('İstanbul')).toBe('istanbul');
  });

  it('is idempotent and never leaves a mark, an upper-case letter or a double space', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const once = foldVietnamese(s);
        expect(foldVietnamese(once)).toBe(once);
        expect(once).not.toMatch(/\p{M}|[đĐ]| {2}|^\s|\s$/u);
        expect(once).toBe(once.toLowerCase());
      }),
    );
  });
});
