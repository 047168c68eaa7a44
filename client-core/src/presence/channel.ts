// Ephemeral signals of the conversations this device follows: typing, sealed as `ephemeral`
// envelopes under the current epoch key and signed by this device, relayed but never stored.
// What arrives is trusted only from a verified device of a current member: anything else, or a
// payload that does not decode, is dropped and reported, never shown.
import { decodeEphemeral, encodeEphemeral, ErrorCode, isMekongError, MekongError, type Up } from '@mekong/schema';
import type { UserProfile } from '../client/types';
import { type EpochKey, openEnvelope, readEnvelopeHeader, sealEnvelope, type SigningPublicKey, type SigningSecretKey } from '../crypto';
import type { ConvMembers } from '../membership/tracker';
import { TypingBoard } from './typing-board';
import { TypingSender } from './typing-sender';

export interface EphemeralChannelDeps {
  userId: string;
  deviceId: string;
  signSecretKey: SigningSecretKey;
  /** Members of a conversation this device follows, as the verified log says; undefined for one it does not. */
  members(conv: string): ConvMembers | undefined;
  /** A verified device of one of `candidates` (DeviceDirectory.device); throws UNKNOWN_DEVICE otherwise. */
  device(deviceId: string, candidates: string[]): Promise<{ userId: string; signPublicKey: SigningPublicKey }>;
  /** The key of `epoch` (KeyManager.epochKey); never creates one. */
  epochKey(conv: string, epoch: number, members: ConvMembers): Promise<EpochKey>;
  profile(userId: string): Promise<UserProfile>;
  /** Sends a frame when online; false when not (ephemeral signals are then simply not sent). */
  send(frame: Up): boolean;
  now(): number;
  report(err: unknown): void;
  /** A "typing" shown without a refresh for this long is dropped. Default 6000. */
  typingTtlMs?: number;
  /** "Typing" is sent at most this often while keystrokes keep coming. Default 3000. */
  typingEveryMs?: number;
  /** "Stopped" is sent after this long without a keystroke. Default 3000. */
  typingIdleMs?: number;
}

const TRANSIENT = new Set<string>([ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT, ErrorCode.RATE_LIMITED]);

/**
 * @example
 * const channel = new EphemeralChannel(deps);
 * channel.typing(convId, true);                      // on every keystroke
 * const off = channel.onTyping(convId, (users) => render(users));
 * channel.receive(convId, frame.envelope);           // an `ephemeral` frame from the relay
 */
export class EphemeralChannel {
  private readonly boards = new Map<string, TypingBoard>();
  private readonly senders = new Map<string, TypingSender>();
  /** conv → device → highest counter applied: older or replayed signals are dropped */
  private readonly applied = new Map<string, Map<string, number>>();
  private sending: Promise<void> = Promise.resolve();
  private counter = 0;
  private closed = false;

  constructor(private readonly deps: EphemeralChannelDeps) {}

  /** A keystroke in `conv` (`true`), or the user stopped typing there (`false`). */
  typing(conv: string, active: boolean): void {
    if (this.closed) return;
    let sender = this.senders.get(conv);
    if (!sender) {
      sender = new TypingSender({
        now: this.deps.now,
        send: (typing) => this.signal(conv, typing),
        everyMs: this.deps.typingEveryMs ?? 3000,
        idleMs: this.deps.typingIdleMs ?? 3000,
      });
      this.senders.set(conv, sender);
    }
    sender.typing(active);
  }

  /** Who else is typing in `conv`: called at once, then on every change. Returns the function that stops it. */
  onTyping(conv: string, cb: (users: UserProfile[]) => void): () => void {
    const off = this.board(conv).subscribe(cb);
    return () => {
      off();
      this.forgetIfIdle(conv);
    };
  }

  /** Messages by these users arrived in `conv`: they are no longer typing what they sent. */
  messagesFrom(conv: string, userIds: string[]): void {
    this.boards.get(conv)?.clearUsers(userIds);
  }

  /** An `ephemeral` frame from the relay. Never throws: what cannot be trusted is reported and dropped. */
  receive(conv: string, envelope: Uint8Array): void {
    if (this.closed) return;
    this.open(conv, envelope).catch((err) => {
      if (isMekongError(err) && TRANSIENT.has(err.code)) return; // a lost typing signal is no loss
      this.deps.report(isMekongError(err) ? new MekongError(err.code, `An ephemeral message was refused: ${err.message}`, { conv }) : err);
    });
  }

  close(): void {
    this.closed = true;
    for (const s of this.senders.values()) s.stop();
    for (const b of this.boards.values()) b.close();
    this.senders.clear();
    this.boards.clear();
  }

  private async open(conv: string, envelope: Uint8Array): Promise<void> {
    const header = readEnvelopeHeader(envelope);
    if (header.device === this.deps.deviceId) return;
    const members = this.deps.members(conv);
    if (!members) return; // not followed here (any more): nothing to show it in
    // only a current member's verified device may say anything here, under an epoch they held
    const dev = await this.deps.device(header.device, members.current);
    if (!members.holders(header.epoch).includes(dev.userId)) {
      throw new MekongError(ErrorCode.WRONG_CONTEXT, 'The sender did not hold the key epoch it names.');
    }
    const key = await this.deps.epochKey(conv, header.epoch, members);
    const { plaintext } = openEnvelope(envelope, { kind: 'ephemeral', conv, signPublicKey: dev.signPublicKey, epochKey: key });
    const payload = decodeEphemeral(plaintext);
    if (dev.userId === this.deps.userId) return; // another device of this user
    const user = await this.deps.profile(dev.userId).catch((): UserProfile => ({ id: dev.userId, username: '', displayName: '' }));
    // applied in counter order: a late or replayed signal never overrides a newer one
    let seen = this.applied.get(conv);
    if (!seen) {
      seen = new Map();
      this.applied.set(conv, seen);
    }
    if (header.counter <= (seen.get(header.device) ?? -1) || this.closed) return;
    seen.set(header.device, header.counter);
    if (payload.type === 'typing') this.board(conv).set(header.device, user, payload.typing);
  }

  /** Seals and sends one typing signal; signals leave in the order they were made. */
  private signal(conv: string, typing: boolean): void {
    this.sending = this.sending.then(async () => {
      try {
        const members = this.deps.members(conv);
        if (!members || members.epoch === undefined) return; // no verified log yet: nobody to tell
        const key = await this.deps.epochKey(conv, members.epoch, members);
        // the counter orders this device's signals for receivers; the clock keeps it rising across restarts
        this.counter = Math.max(this.counter + 1, this.deps.now());
        const header = { kind: 'ephemeral' as const, conv, epoch: members.epoch, device: this.deps.deviceId, counter: this.counter };
        const envelope = sealEnvelope(header, encodeEphemeral({ v: 1, type: 'typing', typing }), key, this.deps.signSecretKey);
        this.deps.send({ type: 'ephemeral', conv, envelope });
      } catch (err) {
        if (!isMekongError(err) || !TRANSIENT.has(err.code)) this.deps.report(err);
      }
    });
  }

  private board(conv: string): TypingBoard {
    let b = this.boards.get(conv);
    if (!b) {
      b = new TypingBoard({ now: this.deps.now, ttlMs: this.deps.typingTtlMs ?? 6000 });
      this.boards.set(conv, b);
    }
    return b;
  }

  private forgetIfIdle(conv: string): void {
    const b = this.boards.get(conv);
    if (b?.idle) {
      b.close();
      this.boards.delete(conv);
    }
  }
}
