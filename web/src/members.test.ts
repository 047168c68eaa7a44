import { describe, expect, it } from 'vitest';
import { parseUsernames } from './members';

describe('parseUsernames', () => {
  it('takes several names separated by commas or spaces, with or without @', () => {
    expect(parseUsernames('@Minh, hoa;tuan  lan.nguyen')).toEqual({ valid: ['minh', 'hoa', 'tuan', 'lan.nguyen'], invalid: [] });
  });

  it('keeps each name once', () => {
    expect(parseUsernames('minh MINH @minh').valid).toEqual(['minh']);
  });

  it('reports what cannot be a username', () => {
    expect(parseUsernames('minh x ho@a')).toEqual({ valid: ['minh'], invalid: ['x', 'ho@a'] });
  });

  it('gives nothing for an empty field', () => {
    expect(parseUsernames('  , ')).toEqual({ valid: [], invalid: [] });
  });
});
