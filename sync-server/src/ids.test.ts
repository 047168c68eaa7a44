// Ids are 22 url-safe characters and never begin with '-', so a command line never reads one as an option.
import { ResourceId } from '@mekong/schema';
import { describe, expect, it } from 'vitest';
import { newId } from './ids';

describe('newId', () => {
  it('draws distinct url-safe ids of 22 characters, none starting with "-"', () => {
    // one id in 64 would start with '-' if nothing prevented it: 10,000 draws all but surely meet one
    const ids = Array.from({ length: 10_000 }, newId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    for (const id of ids.slice(0, 100)) expect(ResourceId.parse(id)).toBe(id);
    expect(ids.every((id) => /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id))).toBe(true);
    // the first character still takes every other value
    expect(new Set(ids.map((id) => id[0])).size).toBe(63);
  });
});
