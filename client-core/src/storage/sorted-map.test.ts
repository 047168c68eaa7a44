// Checks the memory adapter's ordered map against a plain model over random write bursts of every size.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveRange } from './rules';
import { SortedMap } from './sorted-map';

type Op = { kind: 'set'; key: string; n: number } | { kind: 'del'; key: string };

// Few distinct characters, so keys collide, share prefixes and get deleted and re-added.
const key = fc.string({ unit: fc.constantFrom('a', 'b', '/', '~', ' '), minLength: 1, maxLength: 4 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, n: fc.nat(255) }),
  fc.record({ kind: fc.constant('del' as const), key }),
);
const query = fc.record({
  prefix: fc.constantFrom('', 'a', 'a/', 'b', '~', ' '),
  reverse: fc.boolean(),
  limit: fc.option(fc.nat(12), { nil: undefined }),
  after: fc.option(key, { nil: undefined }),
  before: fc.option(key, { nil: undefined }),
});

describe('SortedMap', () => {
  it('lists the same entries as sorting a plain Map, across small and large bursts of writes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(op, { maxLength: 150 }), query), { maxLength: 8 }), (rounds) => {
        const map = new SortedMap();
        const model = new Map<string, number>();
        for (const [ops, q] of rounds) {
          for (const o of ops) {
            if (o.kind === 'set') {
              map.set(o.key, Uint8Array.of(o.n));
              model.set(o.key, o.n);
            } else {
              map.delete(o.key);
              model.delete(o.key);
            }
          }
          const bounds = resolveRange(q.prefix, q);
          const got = bounds ? map.range(bounds).map(([k, v]) => [k, v[0]]) : [];
          let want = [...model.entries()]
            .filter(([k]) => k.startsWith(q.prefix))
            .filter(([k]) => (q.after === undefined || k > q.after) && (q.before === undefined || k < q.before))
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
          if (q.reverse) want = want.reverse();
          if (q.limit !== undefined) want = want.slice(0, q.limit);
          expect(got).toEqual(want);
        }
      }),
      { numRuns: 300 },
    );
  });
});
