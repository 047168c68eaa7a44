// A burst of requests costs one run now and at most one more per interval after it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Spaced } from './spaced';

describe('Spaced', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the first request at once and serves a burst within the interval with one run at its end', () => {
    const runs: number[] = [];
    const spaced = new Spaced(() => runs.push(Date.now()), 2000, Date.now);
    const start = Date.now();
    for (let i = 0; i < 50; i++) spaced.request();
    expect(runs).toEqual([start]);

    vi.advanceTimersByTime(500);
    for (let i = 0; i < 50; i++) spaced.request();
    vi.advanceTimersByTime(1499);
    expect(runs).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(runs).toEqual([start, start + 2000]);

    // nothing asked since: nothing more runs
    vi.advanceTimersByTime(10_000);
    expect(runs).toHaveLength(2);
    // long after the last run, a request runs at once again
    spaced.request();
    expect(runs).toEqual([start, start + 2000, start + 12_000]);
  });

  it('keeps the spacing under a steady stream of requests: one run per interval', () => {
    let runs = 0;
    const spaced = new Spaced(() => runs++, 2000, Date.now);
    for (let t = 0; t < 9_000; t += 50) {
      spaced.request();
      vi.advanceTimersByTime(50);
    }
    // at 0, 2000, 4000, 6000 and 8000 ms; the requests after 8000 are served once, at 10,000
    expect(runs).toBe(5);
    vi.advanceTimersByTime(1000);
    expect(runs).toBe(6);
    vi.advanceTimersByTime(10_000);
    expect(runs).toBe(6);
  });

  it('drops a due run when cancelled', () => {
    let runs = 0;
    const spaced = new Spaced(() => runs++, 2000, Date.now);
    spaced.request();
    spaced.request();
    spaced.cancel();
    vi.advanceTimersByTime(5000);
    expect(runs).toBe(1);
  });
});
