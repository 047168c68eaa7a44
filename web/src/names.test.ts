import { describe, expect, it } from 'vitest';
import { AVATAR_COLOURS, colourIndex, initials } from './names';

describe('initials', () => {
  it('takes the first and last word', () => {
    expect(initials('Nguyễn Văn An')).toBe('NA');
    expect(initials('  đặng   thu  ')).toBe('ĐT');
  });
  it('takes one letter for a single word and "?" for nothing', () => {
    expect(initials('lan')).toBe('L');
    expect(initials('   ')).toBe('?');
  });
});

describe('colourIndex', () => {
  it('is stable and within the palette', () => {
    expect(colourIndex('user-1')).toBe(colourIndex('user-1'));
    const seen = new Set(Array.from({ length: 200 }, (_, i) => colourIndex(`u${i}`)));
    expect([...seen].every((c) => c >= 0 && c < AVATAR_COLOURS)).toBe(true);
    expect(seen.size).toBe(AVATAR_COLOURS);
  });
});
