// Decides what the connection banner says. Pure, so the timing rules can be unit-tested.
//
// The client retries in a loop while the network is gone (offline → connecting → offline …), and
// takes a moment to connect after start or login. Reacting to each status change would make the
// banner flicker, so it reacts to how long the client has been without a connection instead.
import type { ConnectionStatus } from '@mekong/client-core';

/** A gap shorter than this (a handshake, a quick reconnect) is not worth a banner. */
export const BANNER_GRACE_MS = 1000;

export interface BannerState {
  /** When the client last stopped being online; null while online. */
  downSince: number | null;
  /** Whether the client reported 'offline' (not just 'connecting') since it was last online. */
  sawOffline: boolean;
}

export type Banner = 'offline' | 'connecting' | null;

export function initialBanner(status: ConnectionStatus, now: number): BannerState {
  return nextBanner({ downSince: null, sawOffline: false }, status, now);
}

export function nextBanner(state: BannerState, status: ConnectionStatus, now: number): BannerState {
  if (status === 'online') return { downSince: null, sawOffline: false };
  return { downSince: state.downSince ?? now, sawOffline: state.sawOffline || status === 'offline' };
}

/**
 * The banner to show at `now`. When the browser itself says it has no network, there is nothing
 * to wait for: say so at once.
 */
export function bannerAt(state: BannerState, now: number, browserOffline: boolean): Banner {
  if (state.downSince === null) return null;
  if (browserOffline) return 'offline';
  if (now - state.downSince < BANNER_GRACE_MS) return null;
  return state.sawOffline ? 'offline' : 'connecting';
}
