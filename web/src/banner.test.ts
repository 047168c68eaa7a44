import { describe, expect, it } from 'vitest';
import { BANNER_GRACE_MS, bannerAt, initialBanner, nextBanner } from './banner';

describe('connection banner', () => {
  it('stays hidden while online', () => {
    expect(bannerAt(initialBanner('online', 0), 10_000, false)).toBeNull();
  });

  it('says nothing during a short handshake, then "connecting" if it drags on', () => {
    const s = initialBanner('connecting', 0);
    expect(bannerAt(s, BANNER_GRACE_MS - 1, false)).toBeNull();
    expect(bannerAt(s, BANNER_GRACE_MS, false)).toBe('connecting');
    expect(bannerAt(nextBanner(s, 'online', 500), 5000, false)).toBeNull();
  });

  it('keeps saying offline while the client retries in a loop', () => {
    let s = initialBanner('online', 0);
    s = nextBanner(s, 'offline', 100);
    s = nextBanner(s, 'connecting', 200);
    s = nextBanner(s, 'offline', 300);
    s = nextBanner(s, 'connecting', 1400);
    expect(bannerAt(s, 1500, false)).toBe('offline');
  });

  it('shows offline at once when the browser reports no network', () => {
    const s = nextBanner(initialBanner('online', 0), 'offline', 100);
    expect(bannerAt(s, 101, true)).toBe('offline');
  });

  it('clears as soon as the client is back online', () => {
    const s = nextBanner(nextBanner(initialBanner('online', 0), 'offline', 100), 'online', 9000);
    expect(bannerAt(s, 9001, true)).toBeNull();
  });
});
