import { describe, expect, it } from 'vitest';
import { MAX_PRESENCE_USERS, PresenceQuery } from './presence';

describe('GET /api/presence query', () => {
  it('splits a comma-separated list of user ids', () => {
    expect(PresenceQuery.parse({ users: 'a1,b_2,c-3' })).toEqual({ users: ['a1', 'b_2', 'c-3'] });
  });

  it(`allows ${MAX_PRESENCE_USERS} ids and refuses one more`, () => {
    const ids = Array.from({ length: MAX_PRESENCE_USERS + 1 }, (_, i) => `u${i}`);
    expect(PresenceQuery.safeParse({ users: ids.slice(0, -1).join(',') }).success).toBe(true);
    expect(PresenceQuery.safeParse({ users: ids.join(',') }).success).toBe(false);
  });

  it('refuses empty lists, empty ids and ids that are not url-safe', () => {
    for (const users of ['', 'a,,b', 'a,', 'a b', 'a/b', 'ä']) expect(PresenceQuery.safeParse({ users }).success, users).toBe(false);
    expect(PresenceQuery.safeParse({}).success).toBe(false);
  });
});
