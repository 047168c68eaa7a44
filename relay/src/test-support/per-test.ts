// Fixtures that live for one test, for the port contract suites.
import { afterEach } from 'vitest';

/**
 * Returns a maker of fixtures that live for one test: each call makes one, and after each test
 * every fixture made during it is released, in the order made. Call inside `describe()`.
 * @example const fresh = perTest(() => setup(), (bus) => bus.close());
 * @example const keep = perTest(async (store: LogStore) => store, (store) => store.close()); // close what a test opened itself
 */
export function perTest<T, A extends unknown[] = []>(make: (...args: A) => Promise<T>, release: (fixture: T) => Promise<void>): (...args: A) => Promise<T> {
  let made: T[] = [];
  afterEach(async () => {
    const all = made;
    made = [];
    for (const fixture of all) await release(fixture);
  });
  return async (...args: A) => {
    const fixture = await make(...args);
    made.push(fixture);
    return fixture;
  };
}
