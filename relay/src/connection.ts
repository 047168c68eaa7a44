// One client connection: meters and decodes frames, runs them one at a time, and owns its subscriptions.
import { randomUUID } from 'node:crypto';
import {
  CloseCode,
  type Down,
  decodeUp,
  encodeCheckedDown,
  encodeDown,
  ErrorCode,
  isMekongError,
  MAX_ERROR_MESSAGE_BYTES,
  MAX_TOKEN_BYTES,
  MekongError,
  type Up,
} from '@mekong/schema';
import type { Logger } from 'pino';
import { authenticate } from './auth';
import { deliverLive } from './delivery';
import type { RelayContext } from './context';
import { handleFrame, startPush } from './handlers';
import type { Subscriber } from './hub';
import { TokenBucket } from './limits';
import { UNDECODED_FRAME } from './metrics';
import type { BusMessage, RelaySocket } from './ports';
import { SERVICE_RESTART } from './shutdown';
import { clip, describeError } from './text';
import { Memberships, type MembershipsDeps } from './memberships';

/** Pushes of one connection whose appends may be under way at once. */
const MAX_PUSHES_IN_FLIGHT = 64;

/** An auth frame is a tag, a version and a token; anything bigger before auth is not a client of ours. */
const MAX_AUTH_FRAME_BYTES = MAX_TOKEN_BYTES + 64;

/** Follow state of one conversation. While `buffer` is set a catch-up runs and live updates wait in it. */
export interface Subscription {
  buffer: Array<{ seq: number; envelope: Uint8Array }> | undefined;
  /** The buffer overflowed and was dropped; catch-up must read the log once more. */
  overflowed: boolean;
}

/** What the membership caches of a relay's connections share, made once per relay rather than once per connection. */
const sharedMembershipDeps = new WeakMap<RelayContext, MembershipsDeps>();
function membershipDeps(ctx: RelayContext): MembershipsDeps {
  let deps = sharedMembershipDeps.get(ctx);
  if (!deps) {
    deps = { directory: ctx.directory, now: ctx.now, ttlMs: ctx.limits.membershipTtlMs };
    sharedMembershipDeps.set(ctx, deps);
  }
  return deps;
}

/** The frame queue of a connection with nothing to do; shared, so an idle connection holds no promise of its own. */
const IDLE: Promise<void> = Promise.resolve();

export class Connection implements Subscriber {
  state: 'awaiting-auth' | 'open' | 'closed' = 'awaiting-auth';
  user: string | undefined;
  device: string | undefined;
  expiresAt = 0;
  /** The protocol the opening auth frame named: no frame it predates is sent here. */
  protocol = 0;
  /** The relay is shutting down: frames not yet started are skipped and long work (catch-up) stops early. */
  draining = false;
  readonly subs = new Map<string, Subscription>();
  private readonly memberships: Memberships;
  private readonly bucket: TokenBucket;
  private queue: Promise<void> = IDLE;
  /** Frames received and not yet handled; the queue goes back to IDLE when it reaches 0. */
  private queued = 0;
  /** Pushes whose appends are under way, answered in frame order; every other frame waits for them. */
  private answers: Promise<void> = IDLE;
  private pushesInFlight = 0;
  /** Made on first use (see `id` and `logger`): most connections never publish and never log. */
  private ownId: string | undefined;
  private ownLogger: Logger | undefined;
  private malformed = 0;
  private authTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly ctx: RelayContext,
    private readonly socket: RelaySocket,
  ) {
    this.bucket = new TokenBucket(ctx.limits.framesPerSecond, ctx.limits.burst, ctx.now);
    this.memberships = new Memberships(membershipDeps(ctx));
    const ms = ctx.limits.authTimeoutMs;
    this.authTimer = setTimeout(() => {
      if (this.state === 'awaiting-auth') this.refuseAuth(ErrorCode.UNAUTHENTICATED, CloseCode.UNAUTHENTICATED, `authenticate within ${ms} ms of connecting`);
    }, ms);
    this.authTimer.unref?.();
  }

  /** Unique in the cluster: bus messages name the connection that caused them, so that it is skipped. */
  get id(): string {
    this.ownId ??= randomUUID();
    return this.ownId;
  }

  /** A child logger naming this connection; made on first use, as it costs about 300 bytes per connection. */
  get logger(): Logger {
    this.ownLogger ??= this.ctx.logger.child({ conn: this.id });
    return this.ownLogger;
  }

  /** Logs at debug level without making the connection's logger when debug is off. */
  debug(fields: object, message: string): void {
    if (this.ctx.logger.isLevelEnabled('debug')) this.logger.debug(fields, message);
  }

  /** A frame arrived from the transport. Never throws. */
  receive(data: Uint8Array, binary = true): void {
    // while draining, what arrives is not handled; the client resends it to the next relay
    if (this.state === 'closed' || this.draining) return;
    try {
      const frame = this.admit(data, binary);
      this.ctx.metrics?.frameReceived(frame?.type ?? UNDECODED_FRAME, data.byteLength);
      // one frame at a time: acks, errors and catch-up pages leave in the order the frames came in
      if (frame) {
        this.queued++;
        this.queue = this.queue.then(() => this.run(frame));
      }
    } catch (err) {
      this.internal(err, 'receive');
    }
  }

  /** Size, rate and decoding checks; the decoded frame, or undefined after answering the client. */
  private admit(data: Uint8Array, binary: boolean): Up | undefined {
    const { limits } = this.ctx;
    if (!binary) {
      this.malformedFrame(ErrorCode.MALFORMED_FRAME, 'send binary frames; text frames are not part of the protocol');
      return undefined;
    }
    const max = this.state === 'awaiting-auth' ? Math.min(MAX_AUTH_FRAME_BYTES, limits.maxFrameBytes) : limits.maxFrameBytes;
    if (data.byteLength > max) {
      this.fatal(ErrorCode.FRAME_TOO_LARGE, CloseCode.FRAME_TOO_LARGE, `frames are limited to ${max} bytes here`);
      return undefined;
    }
    const metered = this.bucket.take();
    if (metered === 'flood') {
      this.fatal(ErrorCode.RATE_LIMITED, CloseCode.RATE_LIMITED, 'too many frames after being told to slow down');
      return undefined;
    }
    if (metered === 'limited') {
      this.sendError(ErrorCode.RATE_LIMITED, `slow down to ${limits.framesPerSecond} frames per second; this frame was dropped`);
      return undefined;
    }
    try {
      return decodeUp(data);
    } catch (err) {
      const code = isMekongError(err) ? err.code : ErrorCode.MALFORMED_FRAME;
      this.malformedFrame(code, err instanceof Error ? err.message : 'undecodable frame');
      return undefined;
    }
  }

  /** The transport is gone (the peer closed, or the socket died). */
  transportClosed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cleanup();
  }

  /** Resolves when the frames accepted so far have been handled and answered. */
  async idle(): Promise<void> {
    await this.queue;
    await this.answers;
  }

  /**
   * Takes no new frame, lets the one in progress finish (so a push being appended is acknowledged),
   * then closes with SERVICE_RESTART. Frames received but not started are dropped unanswered: the
   * client still has them in its outbox and resends them after reconnecting.
   */
  async drain(reason: string): Promise<void> {
    if (this.state === 'closed') return;
    this.draining = true;
    await this.idle();
    this.close(SERVICE_RESTART, reason);
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  expired(): boolean {
    return this.ctx.now() >= this.expiresAt;
  }

  send(frame: Down): void {
    if (this.state === 'closed') return;
    let bytes: Uint8Array;
    try {
      bytes = encodeDown(frame);
    } catch (err) {
      this.logger.error({ err: describeError(err), frame: frame.type }, 'could not encode an outgoing frame');
      return;
    }
    this.sendEncoded(frame.type, bytes);
  }

  /** Acknowledges a stored push; every value in it was checked on the way in, so it skips the encoder's check. */
  sendAck(conv: string, counter: number, seq: number): void {
    if (this.state === 'closed') return;
    this.sendEncoded('ack', encodeCheckedDown({ type: 'ack', conv, counter, seq }));
  }

  /** Sends a frame already encoded, such as one update encoded once for all its recipients. */
  sendEncoded(type: Down['type'], bytes: Uint8Array): void {
    try {
      this.socket.send(bytes);
      this.ctx.metrics?.frameSent(type, bytes.byteLength);
    } catch (err) {
      this.debug({ err: describeError(err) }, 'send failed; treating the socket as closed');
      this.transportClosed();
    }
  }

  sendError(code: ErrorCode, message: string, where: { conv?: string; counter?: number } = {}): void {
    this.ctx.metrics?.errorsSent.inc({ code });
    this.send({ type: 'error', code, message: clip(message, MAX_ERROR_MESSAGE_BYTES), conv: where.conv, counter: where.counter });
  }

  /** Error frame, then close: for what the connection cannot recover from. */
  fatal(code: ErrorCode, closeCode: CloseCode, message: string): void {
    this.sendError(code, message);
    this.close(closeCode, message);
  }

  /** Error frame, then close, for a connection whose authentication is refused; counted as an auth failure. */
  refuseAuth(code: ErrorCode, closeCode: CloseCode, message: string): void {
    this.ctx.metrics?.authFailures.inc({ code });
    this.fatal(code, closeCode, message);
  }

  close(code: CloseCode | typeof SERVICE_RESTART, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cleanup();
    try {
      // a WebSocket close reason is at most 123 bytes
      this.socket.close(code, clip(reason, 123));
    } catch (err) {
      this.debug({ err: describeError(err) }, 'socket close failed');
    }
    this.debug({ code }, 'connection closed by relay');
  }

  /** Called by the hub for every bus message of a followed conversation (see delivery.ts). */
  deliver(conv: string, msg: BusMessage): void {
    deliverLive(this, conv, msg);
  }

  /** Whether this connection caused `msg` (it is not sent back to it). */
  isOrigin(msg: BusMessage): boolean {
    return msg.origin === this.ownId;
  }

  /** Membership of the authenticated user, answered from a short-lived per-connection cache when positive. */
  isMember(conv: string): Promise<boolean> {
    return this.memberships.isMember(conv, this.user ?? '');
  }

  /** Throws NOT_MEMBER (and ends a subscription the user may no longer hold) unless the user is a member. */
  async requireMember(conv: string): Promise<void> {
    if (await this.isMember(conv)) return;
    if (this.subs.has(conv)) {
      this.unfollow(conv);
      this.send({ type: 'unsubscribed', conv, code: ErrorCode.NOT_MEMBER });
    }
    throw new MekongError(ErrorCode.NOT_MEMBER, 'you are not a member of this conversation; ask a member to add you');
  }

  /** The user lost `conv` elsewhere in the cluster: forget the cached answer and end a subscription to it. */
  membershipRevoked(conv: string): void {
    this.memberships.revoked(conv);
    if (this.state === 'closed' || !this.subs.has(conv)) return;
    this.unfollow(conv);
    this.send({ type: 'unsubscribed', conv, code: ErrorCode.NOT_MEMBER });
  }

  /** Revocations may have been missed: every membership is asked of the directory again before it is relied on. */
  forgetMemberships(): void {
    this.memberships.forgetAll();
  }

  /** Asks the directory again in the background once the answer for a followed conversation is stale; delivery goes on meanwhile. */
  recheckMembership(conv: string): void {
    this.memberships.recheck(
      conv,
      this.user ?? '',
      () => this.membershipRevoked(conv),
      (err) => this.logger.warn({ err: describeError(err) }, 'membership re-check failed; delivery goes on'),
    );
  }

  unfollow(conv: string): void {
    if (!this.subs.delete(conv)) return;
    this.ctx.hub.remove(conv, this);
  }

  /** Waits while the socket has a backlog, so catch-up does not pile a whole history into memory. */
  async drained(): Promise<void> {
    while (this.state !== 'closed' && !this.draining && this.socket.bufferedAmount > this.ctx.limits.drainHighWaterBytes) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The auth handshake succeeded. */
  opened(user: string, device: string, expiresAt: number, protocol: number): void {
    this.state = 'open';
    this.user = user;
    this.device = device;
    this.expiresAt = expiresAt;
    this.protocol = protocol;
    this.stopAuthTimer();
  }

  /** Clears the auth timeout and lets go of the timer, which an idle connection would otherwise keep (~250 bytes). */
  private stopAuthTimer(): void {
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
  }

  /** Handles one queued frame; the queue is let go of once it is empty. */
  private async run(frame: Up): Promise<void> {
    try {
      await this.process(frame);
    } catch (err) {
      // process() answers its own failures; this only guards against a bug in that answer
      this.logger.error({ err: describeError(err) }, 'frame processing failed');
    } finally {
      if (--this.queued === 0) this.queue = IDLE;
    }
  }

  private async process(frame: Up): Promise<void> {
    if (this.state === 'closed' || this.draining) return;
    try {
      if (frame.type === 'auth') return await authenticate(this, frame);
      if (this.state === 'awaiting-auth') {
        return this.refuseAuth(ErrorCode.UNAUTHENTICATED, CloseCode.UNAUTHENTICATED, 'send an auth frame first');
      }
      if (frame.type === 'push') return await this.pipelinePush(frame);
      // answers leave in frame order: whatever came before this frame is acknowledged first
      await this.answers;
      if (this.expired()) return this.fatal(ErrorCode.TOKEN_EXPIRED, CloseCode.TOKEN_EXPIRED, 'the token expired; reconnect with a fresh one');
      await handleFrame(this, frame);
    } catch (err) {
      this.answerFailure(frame, err);
    }
  }

  /**
   * Starts a push (checks, then the append) and moves on to the next frame while it is stored, so
   * appends of one connection can share a commit; the ack or error still leaves in frame order.
   * At most MAX_PUSHES_IN_FLIGHT wait at once; beyond that the connection reads no further frame.
   */
  private async pipelinePush(frame: Extract<Up, { type: 'push' }>): Promise<void> {
    if (this.expired()) {
      await this.answers;
      return this.fatal(ErrorCode.TOKEN_EXPIRED, CloseCode.TOKEN_EXPIRED, 'the token expired; reconnect with a fresh one');
    }
    let answer: () => Promise<void>;
    try {
      answer = await startPush(this, frame);
    } catch (err) {
      answer = async () => {
        throw err;
      };
    }
    this.pushesInFlight++;
    this.answers = this.answers
      .then(answer)
      .catch((err) => this.answerFailure(frame, err))
      .finally(() => {
        // the last answer given: the chain is let go of, as the frame queue is
        if (--this.pushesInFlight === 0) this.answers = IDLE;
      });
    if (this.pushesInFlight >= MAX_PUSHES_IN_FLIGHT) await this.answers;
  }

  private answerFailure(frame: Up, err: unknown): void {
    const where = {
      ...('conv' in frame ? { conv: frame.conv } : {}),
      ...(frame.type === 'push' ? { counter: frame.counter } : {}),
    };
    if (isMekongError(err)) this.sendError(err.code, err.message, where);
    else this.internal(err, frame.type, where);
  }

  private internal(err: unknown, during: string, where: { conv?: string; counter?: number } = {}): void {
    this.logger.error({ err: describeError(err), during }, 'unexpected failure; the connection goes on');
    this.sendError(ErrorCode.INTERNAL, 'the relay failed on this frame; retry it later', where);
  }

  private malformedFrame(code: ErrorCode, message: string): void {
    this.malformed++;
    if (this.malformed > this.ctx.limits.maxMalformedFrames) this.fatal(code, CloseCode.PROTOCOL_ERROR, 'too many malformed frames');
    else this.sendError(code, message);
  }

  private cleanup(): void {
    this.stopAuthTimer();
    for (const conv of [...this.subs.keys()]) this.unfollow(conv);
    this.ctx.forget(this);
  }
}
