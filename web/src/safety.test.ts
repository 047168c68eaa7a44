import { describe, expect, it } from 'vitest';
import { safetyNumberGroups, safetyNumberRows } from './safety';

const NUMBER = '052191829004718374611230098765432100011122233344455566677788899';

describe('safety numbers', () => {
  it('splits the 60 digits into 12 groups of 5, in order', () => {
    const digits = NUMBER.slice(0, 60);
    const groups = safetyNumberGroups(digits);
    expect(groups).toHaveLength(12);
    expect(groups?.every((g) => /^\d{5}$/.test(g))).toBe(true);
    expect(groups?.join('')).toBe(digits);
    expect(groups?.[0]).toBe('05219');
    expect(groups?.[11]).toBe(digits.slice(55));
  });

  it('accepts the number with spaces, as it is read or pasted', () => {
    const digits = NUMBER.slice(0, 60);
    const spaced = (safetyNumberGroups(digits) ?? []).join(' ');
    expect(safetyNumberGroups(spaced)).toEqual(safetyNumberGroups(digits));
  });

  it('refuses anything that is not exactly 60 digits', () => {
    expect(safetyNumberGroups(NUMBER.slice(0, 59))).toBeNull();
    expect(safetyNumberGroups(NUMBER.slice(0, 61))).toBeNull();
    expect(safetyNumberGroups(`${NUMBER.slice(0, 59)}x`)).toBeNull();
    expect(safetyNumberGroups('')).toBeNull();
  });

  it('lays the groups out in three rows of four', () => {
    const groups = safetyNumberGroups(NUMBER.slice(0, 60)) ?? [];
    const rows = safetyNumberRows(groups);
    expect(rows.map((r) => r.length)).toEqual([4, 4, 4]);
    expect(rows.flat()).toEqual(groups);
  });
});
