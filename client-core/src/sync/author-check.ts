// Author signatures of messages. Whoever writes a snapshot (or any update) could put words in another
// member's mouth, so a message is shown as its author's only once the author's device signature over
// it verifies. Live updates are checked on arrival; messages applied in bulk are stored unchecked and
// checked before anything shows them (see deferred-checks.ts). Reactions and pins carry the
// signature of a device of the user they name in the same way (`reactionSigned`, `pinSigned`; what
// is shown of them is decided in reactions.ts and pins.ts).
import {
  canonicalMessage,
  canonicalPin,
  canonicalReaction,
  ErrorCode,
  isMekongError,
  type Message,
  MekongError,
  type Pin,
  type Reaction,
} from '@mekong/schema';
import { fromBase64url, type SigningPublicKey, verifyMessage, verifyPin, verifyReaction } from '../crypto';
import type { DeviceDirectory } from '../keys/directory';
import type { ConvMembers } from '../membership/tracker';
import { checkedEntry, type MessageEntry, signedMessageOf } from './entries';
import { settleReactions } from './reactions';

/** Failures that say nothing about the message: the check is tried again later. */
export const TRANSIENT = new Set<string>([ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT, ErrorCode.RATE_LIMITED]);

/** What checking one unchecked entry found. */
export type CheckOutcome =
  /** the signature verified: show `shown` (the entry rebuilt from the checked message) */
  | { kind: 'ok'; shown: MessageEntry }
  /** it did not (or the author's device is not theirs): never show it, report `error` */
  | { kind: 'bad'; error: MekongError }
  /** the author's keys could not be fetched now: keep it unchecked and hidden, try again later */
  | { kind: 'later' };

export interface AuthorCheckDeps {
  conv: string;
  /** Members as the verified membership log says; a message author must be one of `ever`. */
  members(): ConvMembers;
  directory: DeviceDirectory;
  /** Told once about each reaction or pin value whose signature fails (messages are reported by their callers). */
  report?(err: unknown): void;
}

/** Whom a reaction or pin names, on which message, signed by which device (also the details of a report). */
type Signer = { messageId: string; userId: string; device: string };
type Verify = (key: SigningPublicKey, canonical: Uint8Array, sig: Uint8Array) => void;

/**
 * @example
 * const check = new AuthorCheck({ conv, members, directory });
 * await check.verify(message);            // throws BAD_SIGNATURE unless its author's device signed it
 * const outcome = await check.entry(e);   // for an entry stored unchecked
 */
export class AuthorCheck {
  /** outcome per document value object (and the key it was checked under): unchanged values are verified once */
  private readonly marks = new WeakMap<object, { key: string; ok: boolean }>();

  constructor(private readonly deps: AuthorCheckDeps) {}

  /** @throws MekongError BAD_SIGNATURE unless the author's own device signed this exact message */
  async verify(m: Message): Promise<void> {
    const dev = await this.deps.directory.device(m.author.device, this.deps.members().ever);
    if (dev.userId !== m.author.user) throw new MekongError(ErrorCode.BAD_SIGNATURE, 'Message author does not own the signing device.');
    const { sig, ...unsigned } = m;
    verifyMessage(dev.signPublicKey, canonicalMessage(this.deps.conv, unsigned), fromBase64url(sig));
  }

  /**
   * Check the author signature of an entry stored unchecked. An entry without `unchecked` is
   * returned as it is. Unexpected (non-typed) failures are thrown.
   */
  async entry(e: MessageEntry): Promise<CheckOutcome> {
    if (!e.unchecked) return { kind: 'ok', shown: e };
    const m = signedMessageOf(e);
    if (!m) return { kind: 'bad', error: new MekongError(ErrorCode.BAD_SIGNATURE, 'A stored message does not match what its author signed.', { messageId: e.id }) };
    try {
      await this.verify(m);
      // the reactions the document held when the entry was stored unchecked are checked with it
      const reactions = await settleReactions(this, e.id, undefined, Object.entries(e.unchecked?.reactions ?? {}));
      return { kind: 'ok', shown: checkedEntry(e, m, reactions) };
    } catch (err) {
      if (!isMekongError(err)) throw err;
      if (TRANSIENT.has(err.code)) return { kind: 'later' };
      return { kind: 'bad', error: err };
    }
  }

  /**
   * Whether a device of `userId` signed this reaction value for this message. One that fails is
   * reported (once per value) and yields false.
   * @throws MekongError (UNAVAILABLE, TIMEOUT, RATE_LIMITED) when the user's devices cannot be looked up now
   */
  reactionSigned(messageId: string, userId: string, r: Reaction): Promise<boolean> {
    const canonical = () => canonicalReaction(this.deps.conv, messageId, userId, r);
    return this.signedBy(`r|${messageId}|${userId}`, r, { messageId, userId, device: r.device }, r.sig, canonical, verifyReaction);
  }

  /**
   * Whether a device of `p.by` signed this pin value for this message (who may pin is the caller's
   * check). One that fails is reported (once per value) and yields false.
   * @throws MekongError (UNAVAILABLE, TIMEOUT, RATE_LIMITED) when the user's devices cannot be looked up now
   */
  pinSigned(messageId: string, p: Pin): Promise<boolean> {
    const canonical = () => canonicalPin(this.deps.conv, messageId, p);
    return this.signedBy(`p|${messageId}`, p, { messageId, userId: p.by, device: p.device }, p.sig, canonical, verifyPin);
  }

  private async signedBy(key: string, value: object, who: Signer, sig: string, canonical: () => Uint8Array, verify: Verify): Promise<boolean> {
    const known = this.marks.get(value);
    if (known?.key === key) return known.ok;
    let ok = true;
    try {
      const dev = await this.deps.directory.device(who.device, this.deps.members().ever);
      if (dev.userId !== who.userId) throw new MekongError(ErrorCode.BAD_SIGNATURE, 'A reaction or pin names someone other than the owner of its signing device; it is not shown.');
      verify(dev.signPublicKey, canonical(), fromBase64url(sig));
    } catch (err) {
      if (!isMekongError(err) || TRANSIENT.has(err.code)) throw err;
      ok = false;
      this.deps.report?.(new MekongError(err.code, err.message, { ...err.details, ...who }));
    }
    this.marks.set(value, { key, ok });
    return ok;
  }
}
