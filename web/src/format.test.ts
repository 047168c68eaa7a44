import { describe, expect, it } from 'vitest';
import { daysAgo, formatClock, formatDay, formatListTime } from './format';

const words = { today: 'Today', yesterday: 'Yesterday' };
const at = (y: number, m: number, d: number, h = 12, min = 0) => new Date(y, m - 1, d, h, min).getTime();

describe('daysAgo', () => {
  it('counts calendar days, not 24-hour spans', () => {
    expect(daysAgo(at(2025, 3, 10, 23, 59), at(2025, 3, 11, 0, 1))).toBe(1);
    expect(daysAgo(at(2025, 3, 11, 0, 1), at(2025, 3, 11, 23, 59))).toBe(0);
  });
});

describe('formatClock', () => {
  it('uses a 24-hour clock in both languages', () => {
    expect(formatClock(at(2025, 3, 10, 14, 5), 'en')).toBe('14:05');
    expect(formatClock(at(2025, 3, 10, 9, 7), 'vi')).toBe('09:07');
  });
});

describe('formatDay', () => {
  const now = at(2025, 3, 12, 10);
  it('says today and yesterday in words', () => {
    expect(formatDay(at(2025, 3, 12, 1), now, 'en', words)).toBe('Today');
    expect(formatDay(at(2025, 3, 11, 23), now, 'en', words)).toBe('Yesterday');
  });
  it('spells older days out, in Vietnamese too', () => {
    expect(formatDay(at(2025, 3, 3), now, 'en', words)).toBe('Monday 3 March');
    expect(formatDay(at(2025, 3, 3), now, 'vi', words)).toMatch(/Thứ Hai.*3.*tháng 3/);
  });
  it('adds the year when it is not this year', () => {
    expect(formatDay(at(2023, 12, 31), now, 'en', words)).toContain('2023');
  });
});

describe('formatListTime', () => {
  const now = at(2025, 3, 12, 10);
  it('shows the clock for today', () => {
    expect(formatListTime(at(2025, 3, 12, 8, 30), now, 'en', words)).toBe('08:30');
  });
  it('shows yesterday, then a weekday, then a date', () => {
    expect(formatListTime(at(2025, 3, 11), now, 'en', words)).toBe('Yesterday');
    expect(formatListTime(at(2025, 3, 8), now, 'en', words)).toBe('Sat');
    expect(formatListTime(at(2025, 1, 2), now, 'en', words)).toBe('02/01');
    expect(formatListTime(at(2024, 1, 2), now, 'vi', words)).toBe('02/01/2024');
  });
});
