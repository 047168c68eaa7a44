// Bounds the relay enforces per connection and per user, and the token bucket that meters frames.
import { ErrorCode, MAX_FRAME_BYTES, MekongError } from '@mekong/schema';

export interface RelayLimits {
  /** Largest frame accepted; anything larger closes the connection with FRAME_TOO_LARGE. */
  maxFrameBytes: number;
  /** Sustained frames per second per connection. */
  framesPerSecond: number;
  /** Frames a connection may send at once before the rate applies. */
  burst: number;
  maxConnectionsPerUser: number;
  maxSubscriptionsPerConnection: number;
  /** Time a new connection has to send its auth frame. */
  authTimeoutMs: number;
  /** Updates read from the log per page during catch-up. */
  catchUpPageSize: number;
  /** Malformed frames tolerated on one connection before it is closed with PROTOCOL_ERROR. */
  maxMalformedFrames: number;
  /** How long a positive membership answer is reused by a connection before the directory is asked again. */
  membershipTtlMs: number;
  /** Catch-up waits while the socket has more than this many bytes queued. */
  drainHighWaterBytes: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxFrameBytes: MAX_FRAME_BYTES,
  framesPerSecond: 300,
  burst: 600,
  maxConnectionsPerUser: 20,
  maxSubscriptionsPerConnection: 1000,
  authTimeoutMs: 10_000,
  catchUpPageSize: 500,
  maxMalformedFrames: 20,
  membershipTtlMs: 60_000,
  drainHighWaterBytes: 1024 * 1024,
};

/** Defaults overlaid with `partial`; every value must be a positive integer. */
export function resolveLimits(partial: Partial<RelayLimits> = {}): RelayLimits {
  const limits = { ...DEFAULT_LIMITS, ...partial };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new MekongError(ErrorCode.BAD_REQUEST, `relay limit ${key} must be a positive integer, got ${value}`);
    }
  }
  return limits;
}

/** A client that keeps sending after being told to slow down is cut off once its debt reaches this many bursts. */
export const FLOOD_BURSTS = 3;

export type Metered = 'ok' | 'limited' | 'flood';

/**
 * Token bucket with debt: every frame costs a token, refilled at `rate` per second up to `burst`.
 * A frame that finds the bucket empty is dropped and still costs a token, so a client that keeps
 * flooding digs itself deeper until the debt reaches FLOOD_BURSTS × burst and it is disconnected,
 * while one that pauses recovers at the refill rate.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): Metered {
    const t = this.now();
    // a clock that steps backwards refills nothing rather than draining the bucket
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, t - this.last) / 1000) * this.rate);
    this.last = t;
    this.tokens -= 1;
    if (this.tokens >= 0) return 'ok';
    return this.tokens <= -FLOOD_BURSTS * this.burst ? 'flood' : 'limited';
  }
}
